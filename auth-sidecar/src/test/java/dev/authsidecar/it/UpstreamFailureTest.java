package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How application failures reach the caller: a status and a problem body, never a hang. */
@Timeout(30)
class UpstreamFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};

    @Test
    void applicationDownIs502() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (RunningSidecar proxy = RunningSidecar.start("http://127.0.0.1:" + port)) {
            HttpResponse<String> r = proxy.get("/ping", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(r.body()).get("title").asText()).isEqualTo("Upstream unavailable");
            assertThat(proxy.admin("/readyz").statusCode()).isEqualTo(503);
            assertThat(proxy.admin("/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void slowApplicationIs504AfterTheResponseHeadTimeout() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url(),
                        "upstream:\n  url: URL\n  responseHeadTimeout: 300ms\n")) {
            long start = System.nanoTime();
            HttpResponse<String> r = proxy.get("/slow?ms=3000", AUTH);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
            assertThat(proxy.get("/slow?ms=10", AUTH).statusCode()).as("fast enough").isEqualTo(200);
        }
    }

    @Test
    void applicationHangingUpIs502() throws Exception {
        try (TestUpstream app = new TestUpstream(); RunningSidecar proxy = RunningSidecar.start(app.url())) {
            HttpResponse<String> r = proxy.get("/hangup", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPooledConnectionTheApplicationClosedIsRetriedForBodilessRequests() throws Exception {
        try (TestUpstream app = new TestUpstream(); RunningSidecar proxy = RunningSidecar.start(app.url())) {
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            // The application drops its idle keep-alive connection; the sidecar must not turn that into a 502.
            app.seen().clear();
            try (RawHttp raw = new RawHttp(proxy.port())) {
                raw.send("GET /hangup HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nConnection: close\r\n\r\n").readToEnd();
            }
            for (int i = 0; i < 5; i++) {
                assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aClientLeavingMidUploadClosesTheApplicationConnectionInsteadOfPoolingIt() throws Exception {
        try (TestUpstream app = new TestUpstream(); RunningSidecar proxy = RunningSidecar.start(app.url())) {
            try (RawHttp raw = new RawHttp(proxy.port())) {
                raw.send("POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nContent-Length: 10000000\r\n\r\n");
                raw.send(new byte[256 * 1024]);
                waitFor(() -> app.requests() == 1);
            }
            waitFor(() -> app.closedConnections() == 1);
            assertThat(app.closedConnections()).isEqualTo(1);
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            assertThat(app.connections()).as("a fresh connection, not the half-used one").isEqualTo(2);
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
