package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.assertRejected;
import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static dev.authsidecar.authenticate.jwt.Jwts.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Providers that need no network (key files, HMAC secrets), routing, and claim handling details. */
final class JwtAuthenticatorTest {
    private static final String ISSUER = "https://issuer.example";
    private static final RSAKey KEY = Jwts.rsa("k1");
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final ScheduledExecutorService executor = Jwts.executor();

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln | true",
                "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d         | true",
                "eyJhbGciOiJub25lIn0.eyJ9.                 | true",
                "eyJhbGciOiJub25lIn0.                      | true",
                "eyJ.a.b.c                                 | true",
                "sk_billing-0123456789.abc~XYZ+/           | false",
                "ory_at_abc.def                            | false",
                "opaque-token-without-dots                 | false",
                "eyJhbGciOiJub25lIn0                       | false",
                "eyJ.                                      | true",
                "ey.J                                      | false"
            })
    void looksLikeJwtTakesEveryJoseShapeAndNothingElse(String token, boolean expected) {
        assertThat(JwtAuthenticator.looksLikeJwt(token)).isEqualTo(expected);
    }

    @Test
    void aKeyFileProviderWorksWithoutAnyNetwork() throws Exception {
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(fileProvider().build()), 8192, executor)) {
            jwt.start();
            Identity identity = (Identity) jwt.authenticate(token(KEY, claims(ISSUER)));
            assertThat(identity.subject()).isEqualTo("alice");
            KeySetStatus status = jwt.status().get(0);
            assertThat(status.hasKeys()).isTrue();
            assertThat(status.lastError()).isNull();
            assertThat(status.age()).isNotNull();
        }
    }

    @Test
    void anUnusableKeyFileIsRefusedAtConstruction() throws Exception {
        Providers p = Providers.of(ISSUER, null);
        p.jwksFile = Files.writeString(dir.resolve("broken.jwks"), "{\"keys\": \"no\"}");
        assertThatThrownBy(() -> new JwtAuthenticator(List.of(p.build()), 8192, executor))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("broken.jwks");
    }

    @Test
    void anHmacProviderVerifiesWithItsSecretOnly() throws Exception {
        Providers p = Providers.of(ISSUER, null);
        p.algorithms = List.of("HS256");
        p.hmacSecretFile = Files.write(
                dir.resolve("secret"),
                (new String(SECRET, StandardCharsets.US_ASCII) + "\n").getBytes(StandardCharsets.US_ASCII));
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor)) {
            jwt.start();
            String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
            assertThat(jwt.authenticate(Jwts.hmac(SECRET, header, json(claims(ISSUER)))))
                    .isInstanceOf(Identity.class);
            byte[] other = "0123456789abcdef0123456789abcdeX".getBytes(StandardCharsets.US_ASCII);
            assertRejected(
                    jwt.authenticate(Jwts.hmac(other, header, json(claims(ISSUER)))), Failure.CREDENTIAL_INVALID);
            assertRejected(jwt.authenticate(token(KEY, claims(ISSUER))), Failure.CREDENTIAL_INVALID);
            assertThat(jwt.status().get(0).hasKeys())
                    .as("a secret needs no fetch")
                    .isTrue();
        }
    }

    @Test
    void aShortHmacSecretIsRefusedAtConstruction() throws Exception {
        Providers p = Providers.of(ISSUER, null);
        p.algorithms = List.of("HS256", "HS512");
        p.hmacSecretFile = Files.write(dir.resolve("secret"), SECRET);
        assertThatThrownBy(() -> new JwtAuthenticator(List.of(p.build()), 8192, executor))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 64")
                .hasMessageNotContaining("0123456789abcdef");
    }

    @Test
    void clockSkewIsAllowedBothWays() throws Exception {
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(fileProvider().build()), 8192, executor)) {
            long now = System.currentTimeMillis() / 1000;
            Map<String, Object> c = claims(ISSUER);
            c.put("exp", now - 30);
            c.put("nbf", now + 30);
            c.put("iat", now + 30);
            assertThat(jwt.authenticate(token(KEY, c))).isInstanceOf(Identity.class);
            c.put("exp", now - 61);
            assertRejected(jwt.authenticate(token(KEY, c)), Failure.CREDENTIAL_INVALID);
        }
    }

    @Test
    void requiredClaimsMustBePresent() throws Exception {
        Providers p = fileProvider();
        p.requiredClaims = List.of("tenant");
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor)) {
            Map<String, Object> c = claims(ISSUER);
            assertRejected(jwt.authenticate(token(KEY, c)), Failure.CREDENTIAL_INVALID);
            c.put("tenant", null);
            assertRejected(jwt.authenticate(token(KEY, c)), Failure.CREDENTIAL_INVALID);
            c.put("tenant", "acme");
            assertThat(jwt.authenticate(token(KEY, c))).isInstanceOf(Identity.class);
        }
    }

    @Test
    void scopesComeFromScopeAndScpInEitherShape() throws Exception {
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(fileProvider().build()), 8192, executor)) {
            Map<String, Object> c = claims(ISSUER);
            c.remove("scope");
            c.put("scp", "User.Read  Mail.Send");
            c.put("client_id", "mailer");
            Identity entra = (Identity) jwt.authenticate(token(KEY, c));
            assertThat(entra.scopeText()).isEqualTo("User.Read Mail.Send");
            assertThat(entra.client()).isEqualTo("mailer");

            c.put("scope", List.of("a", "b"));
            c.put("scp", List.of("b", "c"));
            c.put("azp", "web");
            Identity merged = (Identity) jwt.authenticate(token(KEY, c));
            assertThat(merged.scopeText()).isEqualTo("a b c");
            assertThat(merged.client()).as("azp wins over client_id").isEqualTo("web");

            c.remove("scope");
            c.remove("scp");
            assertThat(((Identity) jwt.authenticate(token(KEY, c))).scopes()).isEmpty();
        }
    }

    @Test
    void audienceMayBeAnyOfTheConfiguredOnes() throws Exception {
        Providers p = fileProvider();
        p.audiences = List.of("api", "https://api.example");
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor)) {
            Map<String, Object> c = claims(ISSUER);
            c.put("aud", List.of("other", "https://api.example"));
            assertThat(jwt.authenticate(token(KEY, c))).isInstanceOf(Identity.class);
        }
    }

    @Test
    void nothingThrowsAndNothingIsPendingForLocalKeys() throws Exception {
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(fileProvider().build()), 8192, executor)) {
            for (String t : new String[] {null, "", ".", "..", "...", "....", "eyJ", "eyJ.eyJ.eyJ", "a.b.c"}) {
                assertRejected(jwt.authenticate(t), Failure.CREDENTIAL_INVALID);
            }
        }
    }

    @Test
    void statusListsEveryProviderInOrder() throws Exception {
        Providers hmac = Providers.of("https://hmac.example", null);
        hmac.name = "hmac";
        hmac.algorithms = List.of("HS256");
        hmac.hmacSecretFile = Files.write(dir.resolve("secret"), SECRET);
        Providers remote = Providers.of("http://127.0.0.1:9", java.net.URI.create("http://127.0.0.1:9/jwks"));
        remote.name = "remote";
        try (JwtAuthenticator jwt =
                new JwtAuthenticator(List.of(fileProvider().build(), hmac.build(), remote.build()), 8192, executor)) {
            assertThat(jwt.status()).extracting(KeySetStatus::provider).containsExactly("file", "hmac", "remote");
            assertThat(jwt.status()).extracting(KeySetStatus::hasKeys).containsExactly(true, true, false);
            jwt.start();
            Jwts.eventually(Duration.ofSeconds(5), () -> jwt.status().get(2).lastError() != null);
        }
    }

    private Providers fileProvider() throws Exception {
        Providers p = Providers.of(ISSUER, null);
        p.name = "file";
        p.jwksFile = Files.writeString(dir.resolve("keys.jwks"), new JWKSet(KEY).toString(true));
        return p;
    }
}
