package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Header rewriting and connection handling between client, sidecar and application. */
@Timeout(30)
class ForwardingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUTH = "Authorization: Bearer " + RunningSidecar.KEY + "\r\n";

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url);

    private static JsonNode body(String response) throws Exception {
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void forwardedHeadersAreAddedAndHostIsPreserved() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /echo HTTP/1.1\r\nHost: shop.example:8443\r\n" + AUTH
                            + "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\n"
                            + "Connection: close\r\n\r\n")
                    .readToEnd();
            JsonNode h = body(response).get("headers");
            assertThat(h.get("host").get(0).asText()).isEqualTo("shop.example:8443");
            assertThat(h.get("x-forwarded-for").get(0).asText()).isEqualTo("203.0.113.7, 127.0.0.1");
            assertThat(h.get("x-forwarded-proto").get(0).asText()).isEqualTo("http");
            assertThat(h.get("x-forwarded-host").get(0).asText()).isEqualTo("shop.example:8443");
        }
    }

    @Test
    void traceContextPassesThroughUnchanged() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> r = sidecar.get(
                "/echo",
                "Authorization",
                "Bearer " + RunningSidecar.KEY,
                "traceparent",
                traceparent,
                "tracestate",
                "vendor=opaque,other=x");
        JsonNode h = JSON.readTree(r.body()).get("headers");
        assertThat(h.get("traceparent").get(0).asText()).isEqualTo(traceparent);
        assertThat(h.get("tracestate").get(0).asText()).isEqualTo("vendor=opaque,other=x");
    }

    @Test
    void requestIdIsGeneratedWhenAbsentAndPassedBothWays() throws Exception {
        HttpResponse<String> generated = sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY);
        String id = generated.headers().firstValue("x-request-id").orElseThrow();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(JSON.readTree(generated.body())
                        .get("headers")
                        .get("x-request-id")
                        .get(0)
                        .asText())
                .isEqualTo(id);

        HttpResponse<String> given =
                sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY, "X-Request-Id", "trace-42");
        assertThat(given.headers().firstValue("x-request-id")).hasValue("trace-42");
        assertThat(JSON.readTree(given.body())
                        .get("headers")
                        .get("x-request-id")
                        .get(0)
                        .asText())
                .isEqualTo("trace-42");

        HttpResponse<String> denied = sidecar.get("/echo", "X-Request-Id", "denied-1");
        assertThat(denied.headers().firstValue("x-request-id")).hasValue("denied-1");
        assertThat(denied.body()).contains("denied-1");
    }

    @Test
    void hopByHopHeadersAreRemovedBothWays() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /echo HTTP/1.1\r\nHost: app\r\n" + AUTH
                            + "Connection: X-Private, close\r\nX-Private: secret\r\nKeep-Alive: timeout=5\r\n"
                            + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\n"
                            + "Proxy-Authorization: Basic eA==\r\n\r\n")
                    .readToEnd();
            JsonNode h = body(response).get("headers");
            for (String name : new String[] {
                "x-private", "keep-alive", "proxy-connection", "te", "upgrade", "proxy-authorization", "connection"
            }) {
                assertThat(h.has(name)).as(name).isFalse();
            }
            // The application's own Connection-listed header does not reach the client either.
            assertThat(response.toLowerCase())
                    .doesNotContain("x-upstream-private")
                    .contains("x-upstream: test");
        }
    }

    @Test
    void keepAliveConnectionsToTheApplicationAreReused() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            HttpRequest request = HttpRequest.newBuilder(proxy.uri("/echo"))
                    .header("Authorization", "Bearer " + RunningSidecar.KEY)
                    .build();
            for (int i = 0; i < 50; i++) {
                assertThat(proxy.client()
                                .send(request, HttpResponse.BodyHandlers.ofString())
                                .statusCode())
                        .isEqualTo(200);
            }
            assertThat(app.requests()).isEqualTo(50);
            assertThat(app.connections()).isEqualTo(1);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /echo?n=1 HTTP/1.1\r\nHost: app\r\n" + AUTH + "\r\n"
                            + "GET /nope HTTP/1.1\r\nHost: app\r\n\r\n"
                            + "GET /echo?n=3 HTTP/1.1\r\nHost: app\r\n" + AUTH + "Connection: close\r\n\r\n")
                    .readToEnd();
            int first = response.indexOf("\"uri\":\"/echo?n=1\"");
            int second = response.indexOf("HTTP/1.1 401");
            int third = response.indexOf("\"uri\":\"/echo?n=3\"");
            assertThat(first).isPositive();
            assertThat(second).isGreaterThan(first);
            assertThat(third).isGreaterThan(second);
        }
    }

    @Test
    void http10ClientsGetAnAnswerAndAClose() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /echo HTTP/1.0\r\n" + AUTH + "\r\n").readToEnd();
            assertThat(response).startsWith("HTTP/1.1 200");
            assertThat(body(response).get("headers").get("host").get(0).asText())
                    .isEqualTo("127.0.0.1:" + upstream.port());
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void headRequestsGetHeadersOnly() throws Exception {
        HttpResponse<String> r = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/echo"))
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        // The connection is still usable afterwards.
        assertThat(sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void expectContinueIsAnsweredOnlyAfterAuthorization() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            raw.send("POST /upload HTTP/1.1\r\nHost: app\r\n" + AUTH
                    + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(raw.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
            raw.send("hello");
            String response = raw.readUntil("}");
            assertThat(response).startsWith("HTTP/1.1 200").contains("\"bytes\":5");
        }
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("POST /upload HTTP/1.1\r\nHost: app\r\n"
                            + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 401").doesNotContain("100 Continue");
        }
    }

    @Test
    void chunkedRequestBodiesAreForwarded() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("POST /upload HTTP/1.1\r\nHost: app\r\n" + AUTH
                            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 200").contains("\"bytes\":11");
        }
    }

    @Test
    void anUnauthenticatedUploadIsAnsweredWithoutReadingTheBody() throws Exception {
        int before = upstream.requests();
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            raw.send("POST /upload HTTP/1.1\r\nHost: app\r\nContent-Length: 104857600\r\n\r\n");
            raw.send(new byte[64 * 1024]);
            String response = raw.readUntil("}");
            assertThat(response).startsWith("HTTP/1.1 401").contains("connection: close");
        }
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "server:\n  listen: 127.0.0.1:0\n  idleTimeout: 300ms\n");
                RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /echo HTTP/1.1\r\nHost: app\r\n" + AUTH + "\r\n");
            assertThat(raw.readUntil("}}")).startsWith("HTTP/1.1 200");
            long start = System.nanoTime();
            raw.soTimeout(3000);
            assertThat(raw.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        }
    }

    /**
     * Responses that arrive together are released to the pool together, before the next requests are read: with a
     * pool smaller than the burst, every burst closed the surplus and the next one opened it again.
     */
    @Test
    void aBurstLeavesItsConnectionsToTheApplicationForTheNextBurst() throws Exception {
        int burst = 150;
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .build();
            for (int round = 1; round <= 2; round++) {
                var responses = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
                for (int i = 0; i < burst; i++) {
                    responses.add(client.sendAsync(
                            HttpRequest.newBuilder(proxy.uri("/slow?ms=1000"))
                                    .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (var r : responses) {
                    assertThat(r.get().statusCode()).isEqualTo(200);
                }
                assertThat(app.connections())
                        .as("connections the application accepted after burst %d of %d requests", round, burst)
                        .isEqualTo(burst);
            }
            assertThat(app.closedConnections()).isZero();
        }
    }

    @Test
    void idlePooledConnectionsToTheApplicationAreClosed() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "upstream:\n  url: URL\n  idleTimeout: 300ms\n")) {
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(app.closedConnections()).isZero();
            UpstreamFailureTest.waitFor(() -> app.closedConnections() == 1);
            assertThat(app.closedConnections())
                    .as("the sidecar closed its idle upstream connection")
                    .isEqualTo(1);
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(app.connections()).isEqualTo(2);
        }
    }

    @Test
    void aSlowClientIsCutOffAtTheClientDeadlines() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(), "server:\n  listen: 127.0.0.1:0\n  requestHeadTimeout: 500ms\n");
                RawHttp raw = new RawHttp(proxy.port())) {
            long start = System.nanoTime();
            raw.send("GET /echo HTTP/1.1\r\nHost: app\r\n");
            String answer = "";
            // Keep trickling header bytes: each is "activity", but the deadline is absolute.
            for (int i = 0; i < 30 && answer.isEmpty(); i++) {
                try {
                    raw.send("X-Slow-" + i + ": y\r\n");
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(100);
            }
            raw.soTimeout(3000);
            answer = raw.readToEnd();
            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void aClientThatStopsSendingItsBodyGets408AndTheApplicationConnectionIsClosed() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(), "server:\n  listen: 127.0.0.1:0\n  requestBodyTimeout: 300ms\n");
                RawHttp raw = new RawHttp(proxy.port())) {
            long start = System.nanoTime();
            raw.send("POST /upload HTTP/1.1\r\nHost: app\r\n" + AUTH + "Content-Length: 100\r\n\r\n0123456789");
            raw.soTimeout(3000);
            String answer = raw.readToEnd();

            assertThat(answer)
                    .startsWith("HTTP/1.1 408")
                    .containsIgnoringCase("connection: close")
                    .contains("Request body not received in time")
                    .contains("no more of the request body arrived within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
            // The application saw the request start; its connection is closed, never reused half-sent.
            assertThat(app.requests()).isEqualTo(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (app.closedConnections() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(app.closedConnections()).isEqualTo(1);
        }
    }

    /** The body clock runs only while the sidecar wants more: an application slow to read is not the client's fault. */
    @Test
    void anApplicationSlowToReadTheBodyDoesNotTimeTheClientOut() throws Exception {
        byte[] body = new byte[32 << 20];
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        try (java.net.ServerSocket slowApp =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread appThread = new Thread(() -> {
                try (java.net.Socket s = slowApp.accept()) {
                    java.io.InputStream in = s.getInputStream();
                    String head = "";
                    while (!head.endsWith("\r\n\r\n")) {
                        head += (char) in.read();
                    }
                    Thread.sleep(1500); // reads nothing: the sidecar's writes back up, so it stops reading
                    byte[] buf = new byte[64 * 1024];
                    long n = 0;
                    int r;
                    while (n < body.length && (r = in.read(buf)) != -1) {
                        n += r;
                    }
                    received.set(n);
                    s.getOutputStream()
                            .write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(500);
                } catch (Exception e) {
                    // The assertions below tell what went wrong.
                }
            });
            appThread.start();
            try (RunningSidecar proxy = RunningSidecar.start(
                    "http://127.0.0.1:" + slowApp.getLocalPort(),
                    "server:\n  listen: 127.0.0.1:0\n  requestBodyTimeout: 300ms\n")) {
                HttpResponse<String> r = java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1)
                        .build()
                        .send(
                                HttpRequest.newBuilder(
                                                java.net.URI.create("http://127.0.0.1:" + proxy.port() + "/upload"))
                                        .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok");
                assertThat(received.get()).isEqualTo(body.length);
            }
            appThread.join(5000);
        }
    }
}
