package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.testing.FreePorts;
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
        int port = FreePorts.one();
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
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "upstream:\n  url: URL\n  responseHeadTimeout: 300ms\n")) {
            long start = System.nanoTime();
            HttpResponse<String> r = proxy.get("/slow?ms=3000", AUTH);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
            assertThat(proxy.get("/slow?ms=10", AUTH).statusCode())
                    .as("fast enough")
                    .isEqualTo(200);
        }
    }

    @Test
    void applicationHangingUpIs502() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            HttpResponse<String> r = proxy.get("/hangup", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPooledConnectionTheApplicationClosedIsRetriedForBodilessRequests() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            // The application drops its idle keep-alive connection; the sidecar must not turn that into a 502.
            app.seen().clear();
            try (RawHttp raw = new RawHttp(proxy.port())) {
                raw.send("GET /hangup HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                                + "\r\nConnection: close\r\n\r\n")
                        .readToEnd();
            }
            for (int i = 0; i < 5; i++) {
                assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void aClientLeavingMidUploadClosesTheApplicationConnectionInsteadOfPoolingIt() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            try (RawHttp raw = new RawHttp(proxy.port())) {
                raw.send("POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nContent-Length: 10000000\r\n\r\n");
                raw.send(new byte[256 * 1024]);
                waitFor(() -> app.requests() == 1);
            }
            waitFor(() -> app.closedConnections() == 1);
            assertThat(app.closedConnections()).isEqualTo(1);
            assertThat(proxy.get("/echo", AUTH).statusCode()).isEqualTo(200);
            assertThat(app.connections())
                    .as("a fresh connection, not the half-used one")
                    .isEqualTo(2);
        }
    }

    /** Truncation must stay visible: the application never gets the last chunk of a body the client left. */
    @Test
    void aClientLeavingMidChunkedUploadNeverEndsTheBodyForTheApplication() throws Exception {
        try (java.net.ServerSocket app = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start("http://127.0.0.1:" + app.getLocalPort())) {
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            java.net.Socket upstream;
            try (RawHttp raw = new RawHttp(proxy.port())) {
                raw.send("POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
                upstream = app.accept();
                upstream.setSoTimeout(5000);
                readInto(seen, upstream, "hello\r\n");
            }
            try (upstream) {
                readInto(seen, upstream, null);
            }
            assertThat(seen.toString(java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("the application's connection ends after the chunk it got, with no last chunk")
                    .endsWith("5\r\nhello\r\n");
        }
    }

    /** A chunk size that is not hex mid-body: 400 for the client, and the application never sees the body end. */
    @Test
    void brokenChunkFramingMidBodyIs400AndNeverEndsTheBodyForTheApplication() throws Exception {
        try (java.net.ServerSocket app = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start("http://127.0.0.1:" + app.getLocalPort());
                RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("POST /upload HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            try (java.net.Socket upstream = app.accept()) {
                upstream.setSoTimeout(5000);
                readInto(seen, upstream, "hello\r\n");
                raw.send("ZZ\r\nmore\r\n0\r\n\r\n");
                raw.soTimeout(5000);
                assertThat(raw.readToEnd())
                        .startsWith("HTTP/1.1 400")
                        .contains("Malformed request")
                        .contains("the request body's framing is invalid");
                readInto(seen, upstream, null);
            }
            assertThat(seen.toString(java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("the application's connection ends after the chunk it got, with no last chunk")
                    .endsWith("5\r\nhello\r\n");
        }
    }

    /**
     * Two lengths in one response are two framings: the sidecar would read one and a proxy in front of it might
     * read the other. Netty refuses them for HTTP/1.1 only; the sidecar refuses them for HTTP/1.0 too, and the
     * client gets a 502 rather than either body.
     */
    @Test
    void aResponseWithTwoContentLengthsIs502() throws Exception {
        assertThat(answerTo("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 12\r\n\r\nhello, world"))
                .isEqualTo(502);
        assertThat(answerTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 12\r\n\r\nhello, world"))
                .isEqualTo(502);
    }

    /** A header value the application garbled is not passed on to the client. */
    @Test
    void aResponseHeaderValueWithAControlCharacterIs502() throws Exception {
        assertThat(answerTo("HTTP/1.1 200 OK\r\nX-App: a\u0001b\r\nContent-Length: 2\r\n\r\nok"))
                .isEqualTo(502);
        assertThat(answerTo("HTTP/1.1 200 OK\r\nX-App: a\tb\r\nContent-Length: 2\r\n\r\nok"))
                .as("a tab is allowed inside a value")
                .isEqualTo(200);
    }

    /** The status a client gets when the application answers with {@code response}'s bytes, then closes. */
    private static int answerTo(String response) throws Exception {
        try (java.net.ServerSocket app = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start("http://127.0.0.1:" + app.getLocalPort())) {
            Thread answering = new Thread(() -> {
                try (java.net.Socket s = app.accept()) {
                    readInto(new java.io.ByteArrayOutputStream(), s, "\r\n\r\n");
                    s.getOutputStream().write(response.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    s.shutdownOutput();
                    s.getInputStream().readAllBytes();
                } catch (java.io.IOException ignored) {
                    // the sidecar closing its side first ends the exchange too
                }
            });
            answering.start();
            int status = proxy.get("/x", AUTH).statusCode();
            answering.join(10_000);
            return status;
        }
    }

    /** Reads what the application received until it ends with {@code marker}, or to the end when null. */
    private static void readInto(java.io.ByteArrayOutputStream seen, java.net.Socket upstream, String marker)
            throws java.io.IOException {
        byte[] buf = new byte[4096];
        while (marker == null
                || !seen.toString(java.nio.charset.StandardCharsets.ISO_8859_1).endsWith(marker)) {
            int n = upstream.getInputStream().read(buf);
            if (n == -1) {
                assertThat(marker).as("the connection ended before " + marker).isNull();
                return;
            }
            seen.write(buf, 0, n);
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
