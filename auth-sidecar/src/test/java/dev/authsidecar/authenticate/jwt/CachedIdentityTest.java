package dev.authsidecar.authenticate.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.ConfigLoader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the verified-credential cache keeps of a JWT (issue 14: 10,000 cached tokens must fit a small heap): the
 * claims, in a compact map, and the payload only when {@code auth.payloadHeader} will send it.
 */
final class CachedIdentityTest {
    private static final String ISSUER = "https://cached.example";
    private static final RSAKey RSA = Jwts.rsa("rsa-1");

    @TempDir
    static Path dir;

    private static ScheduledExecutorService executor;

    @BeforeAll
    static void start() {
        executor = Jwts.executor();
        Jwts.writeJwks(dir.resolve("keys.jwks"), RSA.toPublicJWK());
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    @Test
    void withoutAPayloadHeaderTheCacheKeepsClaimsButNotThePayload() throws Exception {
        try (Authentication auth = authentication("")) {
            String token = token();
            Identity first = (Identity) auth.authenticate(bearer(token));
            Identity cached = (Identity) auth.authenticate(bearer(token));

            assertThat(auth.cacheHits()).isEqualTo(1);
            assertThat(cached).isSameAs(first);
            assertThat(cached.payload()).isNull();
            assertThat(cached.subject()).isEqualTo("alice");
            assertThat(cached.scopes()).containsExactlyInAnyOrder("read", "write");
            assertThat(cached.claims())
                    .containsEntry("sub", "alice")
                    .containsEntry("team", "billing")
                    .containsEntry("groups", List.of("a", "b"))
                    .doesNotContainKey("nothing");
            // A claim that is JSON null reads as absent, as before.
            assertThat(cached.claims().get("nothing")).isNull();
        }
    }

    @Test
    void withAPayloadHeaderTheCacheKeepsTheVerifiedPayload() throws Exception {
        try (Authentication auth = authentication("  payloadHeader: X-Auth-Claims\n")) {
            String token = token();
            auth.authenticate(bearer(token));
            Identity cached = (Identity) auth.authenticate(bearer(token));

            assertThat(auth.cacheHits()).isEqualTo(1);
            assertThat(cached.payload()).isEqualTo(token.split("\\.")[1]);
            assertThat(cached.claims()).containsEntry("team", "billing");
        }
    }

    @Test
    void compactKeepsEverythingButThePayloadAndNullClaims() {
        java.util.LinkedHashMap<String, Object> claims = new java.util.LinkedHashMap<>();
        claims.put("sub", "bob");
        claims.put("nested", Map.of("k", 1));
        claims.put("gone", null);
        Identity full = new Identity("bob", "jwt", ISSUER, List.of("read"), "cli", claims, 4_000_000_000L, "e30");

        Identity kept = full.compact(true);
        Identity dropped = full.compact(false);

        assertThat(kept.payload()).isEqualTo("e30");
        assertThat(dropped.payload()).isNull();
        for (Identity i : List.of(kept, dropped)) {
            assertThat(i.subject()).isEqualTo("bob");
            assertThat(i.method()).isEqualTo("jwt");
            assertThat(i.issuer()).isEqualTo(ISSUER);
            assertThat(i.scopeText()).isEqualTo("read");
            assertThat(i.client()).isEqualTo("cli");
            assertThat(i.expiresAtEpochSecond()).isEqualTo(4_000_000_000L);
            assertThat(i.claims()).isEqualTo(Map.of("sub", "bob", "nested", Map.of("k", 1)));
        }
    }

    private static Authentication authentication(String extra) throws Exception {
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), """
                auth:
                  jwt:
                    providers:
                      - name: keys
                        issuer: %s
                        audiences: [api]
                        jwksFile: keys.jwks
                        algorithms: [RS256]
                %s""".formatted(ISSUER, extra));
        Authentication auth =
                new Authentication(ConfigLoader.load(config, List.of()).auth(), executor);
        auth.start();
        return auth;
    }

    private static String token() {
        Map<String, Object> claims = Jwts.claims(ISSUER);
        claims.put("aud", "api");
        claims.put("sub", "alice");
        claims.put("scope", "read write");
        claims.put("team", "billing");
        claims.put("groups", List.of("a", "b"));
        claims.put("nothing", null);
        return Jwts.token(RSA, claims);
    }

    private static HttpHeaders bearer(String token) {
        return new DefaultHttpHeaders().add(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }
}
