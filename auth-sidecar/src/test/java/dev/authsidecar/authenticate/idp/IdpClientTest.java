package dev.authsidecar.authenticate.idp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one client to identity providers, against a real HTTP server on loopback: what it accepts, how each way of
 * failing is reported, and what closing it does to a call in flight.
 */
@Timeout(30)
class IdpClientTest {
    private static final Duration SHORT = Duration.ofMillis(400);
    private static final Duration LONG = Duration.ofSeconds(20);

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "idp-test");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger redirectTargetHits = new AtomicInteger();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/keys", ex -> answer(ex, 200, "{\"keys\":[]}"));
        server.createContext("/down", ex -> answer(ex, 503, "{\"error\":\"maintenance\"}"));
        server.createContext("/large", ex -> answer(ex, 200, "x".repeat(17)));
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().set("Location", "/elsewhere");
            answer(ex, 302, "");
        });
        server.createContext("/elsewhere", ex -> {
            redirectTargetHits.incrementAndGet();
            answer(ex, 200, "{}");
        });
        server.createContext("/silent", hold(ex -> answer(ex, 200, "{}")));
        server.createContext("/trickle", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 100 && release.getCount() > 0; i++) {
                    out.write(' ');
                    out.flush();
                    release.await(100, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException | IOException e) {
                // The client went away, as it should.
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    @Test
    void aTwoHundredAnswerIsItsBody() throws Exception {
        try (IdpClient client = client(LONG, LONG)) {
            assertThat(new String(client.send(get("/keys")).get(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"keys\":[]}");
        }
    }

    @Test
    void anyOtherStatusIsAFailureNamingTheStatusAndTheEndpointButNotTheBody() throws Exception {
        try (IdpClient client = client(LONG, LONG)) {
            assertThat(failure(client.send(get("/down"))))
                    .isEqualTo("HTTP 503 from " + url("/down"))
                    .doesNotContain("maintenance");
        }
    }

    @Test
    void aRedirectIsNeverFollowed() throws Exception {
        try (IdpClient client = client(LONG, LONG)) {
            assertThat(failure(client.send(get("/moved")))).isEqualTo("HTTP 302 from " + url("/moved"));
            assertThat(redirectTargetHits).hasValue(0);
        }
    }

    @Test
    void aBodyOverTheLimitIsRefused() throws Exception {
        try (IdpClient client = new IdpClient(
                new IdpClient.Settings(LONG, LONG, LONG, 16, null, HttpClient.Version.HTTP_1_1), executor)) {
            assertThat(failure(client.send(get("/large"))))
                    .isEqualTo("the response from " + url("/large") + " is larger than 16 bytes");
        }
    }

    @Test
    void noResponseHeadWithinTheResponseTimeout() throws Exception {
        try (IdpClient client = client(SHORT, LONG)) {
            long start = System.nanoTime();
            assertThat(failure(client.send(get("/silent"))))
                    .isEqualTo("no response from " + url("/silent") + " within 400 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG);
        }
    }

    @Test
    void aBodyThatTricklesIsCutOffAtTheDeadline() throws Exception {
        try (IdpClient client = client(LONG, SHORT)) {
            long start = System.nanoTime();
            assertThat(failure(client.send(get("/trickle"))))
                    .isEqualTo("no complete response from " + url("/trickle") + " within 400 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aRefusedConnectionIsReportedAsSuch() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (IdpClient client = client(LONG, LONG)) {
            assertThat(failure(client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort + "/keys")))))
                    .startsWith("cannot connect to http://127.0.0.1:" + closedPort + "/keys");
        }
    }

    @Test
    void theQueryNeverReachesAMessage() throws Exception {
        try (IdpClient client = client(LONG, LONG)) {
            assertThat(failure(client.send(get("/down?client_secret=s3cret"))))
                    .isEqualTo("HTTP 503 from " + url("/down"))
                    .doesNotContain("s3cret");
        }
    }

    @Test
    void closingAbandonsACallInFlightAndRefusesNewOnes() throws Exception {
        long openedBefore = IdpClient.opened();
        long closedBefore = IdpClient.closed();
        IdpClient client = client(LONG, LONG);
        assertThat(IdpClient.opened()).isEqualTo(openedBefore + 1);
        CompletableFuture<byte[]> waiting = client.send(get("/silent"));
        Thread.sleep(200);
        assertThat(waiting).isNotDone();

        long start = System.nanoTime();
        client.close();

        assertThat(failure(waiting)).contains("abandoned");
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("not held until a timeout")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(failure(client.send(get("/keys")))).isEqualTo("the client for " + url("/keys") + " is closed");
        client.close();
        assertThat(IdpClient.closed()).as("counted once").isEqualTo(closedBefore + 1);
    }

    @Test
    void aFailureFromAStageAfterTheCallIsNamedByClassOnly() {
        IdpFailure f =
                IdpFailure.of(new java.util.concurrent.CompletionException(new IllegalStateException("token=abc")));
        assertThat(f.getMessage()).isEqualTo("unexpected IllegalStateException");
        IdpFailure known = new IdpFailure("discovery document names another issuer");
        assertThat(IdpFailure.of(new java.util.concurrent.CompletionException(known)))
                .isSameAs(known);
    }

    private IdpClient client(Duration responseTimeout, Duration deadline) throws IOException {
        return new IdpClient(
                new IdpClient.Settings(LONG, responseTimeout, deadline, 1 << 16, null, HttpClient.Version.HTTP_1_1),
                executor);
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(url(path))).GET();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private HttpHandler hold(HttpHandler then) {
        return ex -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            then.handle(ex);
        };
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    /** The message of the {@link IdpFailure} the call failed with; fails the test for anything else. */
    private static String failure(CompletableFuture<byte[]> call) throws InterruptedException {
        try {
            call.get(25, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IdpFailure.class);
            return e.getCause().getMessage();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call neither completed nor failed", e);
        }
        throw new AssertionError("the call succeeded");
    }
}
