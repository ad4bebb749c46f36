package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A response that does not end soon (server-sent events) is relayed event by event, never held back. */
@Timeout(30)
class ServerSentEventsTest {

    @Test
    void eventsArriveOneByOneBeforeTheStreamEnds() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "upstream:\n  url: URL\n  responseHeadTimeout: 300ms\n")) {
            long start = System.nanoTime();
            HttpResponse<Stream<String>> r = proxy.client()
                    .send(
                            HttpRequest.newBuilder(proxy.uri("/events?n=4&ms=500"))
                                    .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                    .build(),
                            HttpResponse.BodyHandlers.ofLines());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
            List<String> data = new ArrayList<>();
            List<Long> arrivals = new ArrayList<>();
            Iterator<String> lines = r.body().iterator();
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("data: ")) {
                    data.add(line);
                    arrivals.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                }
            }
            long end = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(data).containsExactly("data: event 1", "data: event 2", "data: event 3", "data: event 4");
            assertThat(end)
                    .as("the stream outlived upstream.responseHeadTimeout")
                    .isGreaterThan(1500);
            for (int i = 1; i < arrivals.size(); i++) {
                assertThat(arrivals.get(i) - arrivals.get(i - 1))
                        .as("events arrive apart, as they were sent, " + "not held back until the stream ends")
                        .isGreaterThan(250);
            }
        }
    }
}
