package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code upstream.protocol: h2c}: every client protocol paired with an HTTP/2-only application. */
@Timeout(60)
class H2cUpstreamTest {
    private static final String AUTH = "authorization";
    private static final String BEARER = "Bearer " + RunningSidecar.KEY;
    private static H2cTestUpstream app;
    private static RunningSidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        app = new H2cTestUpstream(8);
        sidecar = RunningSidecar.start(app.url(), "upstream:\n  url: URL\n  protocol: h2c\n");
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        app.close();
    }

    @Test
    void http11ClientToH2cApplication() throws Exception {
        HttpResponse<String> r = sidecar.get("/echo?a=1", "Authorization", BEARER);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("uri: /echo?a=1")
                .contains("x-auth-subject: alice")
                .doesNotContain("authorization")
                .doesNotContain("x-http2");
        assertThat(sidecar.get("/echo").statusCode()).isEqualTo(401);
    }

    @Test
    void http2ClientToH2cApplicationRelaysBodyAndTrailers() throws Exception {
        byte[] message = new byte[200_000];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.Response r = client.send(H2Client.request(
                            HttpMethod.POST,
                            "/grpc.Echo/Say",
                            Unpooled.wrappedBuffer(message),
                            AUTH,
                            BEARER,
                            "content-type",
                            "application/grpc",
                            "te",
                            "trailers"))
                    .get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyBytes()).isEqualTo(message);
            assertThat(r.headers().get("x-seen-te")).isEqualTo("trailers");
            assertThat(r.headers().get("x-seen-subject")).isEqualTo("alice");
            assertThat(r.trailers().get("grpc-status")).isEqualTo("0");
            assertThat(r.trailers().get("x-trailer")).isEqualTo("yes");
        }
    }

    @Test
    void trailersOnlyAnswerReachesTheClientAsTrailers() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.Response r = client.get("/grpc.Fail/Find", AUTH, BEARER, "content-type", "application/grpc");
            assertThat(r.status()).isEqualTo(200);
            String status = r.trailers().contains("grpc-status")
                    ? r.trailers().get("grpc-status")
                    : r.headers().get("grpc-status");
            assertThat(status).isEqualTo("5");
            assertThat(r.trailers().get("grpc-message")).isEqualTo("not%20found");
        }
    }

    @Test
    void manyStreamsShareOneApplicationConnection() throws Exception {
        int before = app.connections();
        try (H2Client client = new H2Client(sidecar.port())) {
            List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(client.send(H2Client.request(HttpMethod.GET, "/slow?ms=300&i=" + i, AUTH, BEARER)));
            }
            for (CompletableFuture<H2Client.Response> f : all) {
                assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        }
        // One client connection lives on one event loop, which has one connection to the application.
        assertThat(app.connections() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void moreStreamsThanTheApplicationAllowsOpenAnotherConnection() throws Exception {
        int before = app.connections();
        try (H2Client client = new H2Client(sidecar.port())) {
            List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                all.add(client.send(H2Client.request(HttpMethod.GET, "/slow?ms=500&i=" + i, AUTH, BEARER)));
            }
            for (CompletableFuture<H2Client.Response> f : all) {
                assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        }
        assertThat(app.connections() - before).isBetween(1, 2 + 1);
    }

    @Test
    void grpcTimeoutShortensTheResponseDeadline() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            long t0 = System.nanoTime();
            H2Client.Response r = client.get(
                    "/slow?ms=3000", AUTH, BEARER, "content-type", "application/grpc", "grpc-timeout", "300m");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(r.headers().get("grpc-status")).isEqualTo("4");
            assertThat(ms).isLessThan(2500);
        }
    }

    @Test
    void afterGoAwayNewStreamsGoToANewConnection() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            assertThat(client.get("/goaway", AUTH, BEARER).status()).isEqualTo(200);
            Thread.sleep(200);
            int before = app.connections();
            assertThat(client.get("/echo?after=goaway", AUTH, BEARER).status()).isEqualTo(200);
            assertThat(app.connections()).isGreaterThanOrEqualTo(before);
        }
    }
}
