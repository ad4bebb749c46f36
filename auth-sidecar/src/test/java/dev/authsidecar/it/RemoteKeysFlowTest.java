package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.authsidecar.testing.FreePorts;
import dev.authsidecar.testing.JwksServer;
import dev.authsidecar.testing.Tokens;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests that need the network before they can be decided: they wait (the connection is parked, not the
 * event loop) and are answered when the key set or introspection answer arrives, or 503 when it cannot.
 */
@Timeout(30)
class RemoteKeysFlowTest {

    @Test
    void aRequestArrivingBeforeTheKeysAreFetchedWaitsForThem() throws Exception {
        RSAKey key = Tokens.rsa("slow");
        try (JwksServer idp = new JwksServer().behave(ex -> {
                    JwksServer.pause(700);
                    JwksServer.respond(ex, 200, "application/json", Tokens.jwks(key));
                });
                TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), provider(idp.jwksUri().toString()))) {
            String jwt = JwtFlowTest.token(key, Map.of(), Instant.now().plusSeconds(600));
            HttpResponse<String> r = proxy.get("/echo", "Authorization", "Bearer " + jwt);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"x-auth-method\":[\"jwt\"]");
            // Other connections are served meanwhile and afterwards: nothing blocked an event loop.
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(idp.jwksRequests()).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableIdentityProviderIs503NotAnAllow() throws Exception {
        RSAKey key = Tokens.rsa("k");
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), provider("http://127.0.0.1:" + FreePorts.one() + "/jwks"))) {
            String jwt = JwtFlowTest.token(key, Map.of(), Instant.now().plusSeconds(600));
            HttpResponse<String> r = proxy.get("/echo", "Authorization", "Bearer " + jwt);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void anUnreachableIntrospectionEndpointIs503() throws Exception {
        Path secret = Files.createTempFile("secret", ".txt");
        Files.writeString(secret, "s3cret\n");
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        "auth:\n" + RunningSidecar.keys()
                                + "  introspection:\n    endpoint: http://127.0.0.1:" + FreePorts.one()
                                + "/introspect\n"
                                + "    clientId: sidecar\n    clientSecretFile: " + secret + "\n    timeout: 1s\n")) {
            HttpResponse<String> r = proxy.get("/echo", "Authorization", "Bearer opaque-token-123");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).doesNotContain("s3cret").doesNotContain("opaque-token-123");
            assertThat(app.requests()).isZero();
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                            .statusCode())
                    .as("API keys never need the endpoint")
                    .isEqualTo(200);
        }
    }

    private static String provider(String jwksUri) {
        return JwtFlowTest.authWithProvider(
                "jwksUri: " + jwksUri + "\n        fetch: {connectTimeout: 500ms, readTimeout: 2s}");
    }

    /** Revocation takes effect within cacheTtl, also on a keep-alive connection that already used the token. */
    @Test
    void aRevokedOpaqueTokenIsRefusedOnTheSameConnectionOnceItsCacheTimeIsUp() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean active = new java.util.concurrent.atomic.AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        long exp = Instant.now().getEpochSecond() + 3600;
        HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/introspect", ex -> {
            calls.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] body = (active.get()
                            ? "{\"active\":true,\"sub\":\"alice\",\"exp\":" + exp + "}"
                            : "{\"active\":false}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.start();
        Path secret = Files.createTempFile("secret", ".txt");
        Files.writeString(secret, "s3cret\n");
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        "auth:\n" + RunningSidecar.keys()
                                + "  introspection:\n    endpoint: http://127.0.0.1:"
                                + idp.getAddress().getPort()
                                + "/introspect\n    clientId: sidecar\n    clientSecretFile: " + secret + "\n"
                                + "    cacheTtl: 1s\n")) {
            // The first answer is awaited, the second comes from the introspection cache.
            assertThat(proxy.get("/echo", "Authorization", "Bearer opaque-token-123")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(proxy.get("/echo", "Authorization", "Bearer opaque-token-123")
                            .statusCode())
                    .isEqualTo(200);
            active.set(false);
            Thread.sleep(1300);
            assertThat(proxy.get("/echo", "Authorization", "Bearer opaque-token-123")
                            .statusCode())
                    .as("asked again after cacheTtl, on the same connection")
                    .isEqualTo(401);
            assertThat(calls.get()).isEqualTo(2);
        } finally {
            idp.stop(0);
        }
    }
}
