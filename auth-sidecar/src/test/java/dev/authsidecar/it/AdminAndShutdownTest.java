package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Readiness and the SIGTERM sequence (drain delay, stop accepting, finish in-flight requests). */
@Timeout(30)
class AdminAndShutdownTest {
    private static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};

    @Test
    void healthAndReadinessAnswerOnTheAdminPort() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            assertThat(proxy.admin("/healthz").statusCode()).isEqualTo(200);
            // Probed again and again, as the kubelet does: every probe must see the same answer.
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> ready = proxy.admin("/readyz");
                assertThat(ready.statusCode()).as("probe %d", i).isEqualTo(200);
                assertThat(ready.body()).contains("ready");
            }
            assertThat(proxy.admin("/nope").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shutdownDrainsThenStopsAcceptingAndLetsInFlightRequestsFinish() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "shutdown:\n  drainDelay: 600ms\n  timeout: 5s\n")) {
            CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return proxy.get("/slow?ms=1200", AUTH);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            UpstreamFailureTest.waitFor(() -> app.requests() == 1);
            Thread shutdown = new Thread(proxy.sidecar()::shutdown);
            shutdown.start();
            Thread.sleep(100);

            assertThat(proxy.admin("/readyz").statusCode())
                    .as("readiness turns 503 at once")
                    .isEqualTo(503);
            assertThat(proxy.get("/echo", AUTH).statusCode())
                    .as("still serving during the drain delay")
                    .isEqualTo(200);

            Thread.sleep(800);
            try {
                proxy.get("/echo", AUTH);
                org.assertj.core.api.Assertions.fail("the listener should be closed after the drain delay");
            } catch (ConnectException expected) {
                // not accepting any more
            }
            assertThat(inFlight.get().statusCode())
                    .as("the in-flight request finished")
                    .isEqualTo(200);
            shutdown.join(5000);
            assertThat(shutdown.isAlive()).isFalse();
        }
    }
}
