package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.header;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Claims are judged only after the signature verifies. A token whose signature does not verify gets the
 * bad-signature answer whatever it claims, so a forger cannot learn which audiences, lifetimes or required claims
 * the configuration accepts; a correctly signed token gets the specific answer. No answer names a configured
 * value (issuer, audience, key id, claim name).
 */
final class ClaimsAfterSignatureTest {
    private static final String ISSUER = "https://order.example";
    private static final String HMAC_ISSUER = "https://order-hmac.example";
    private static final String AUDIENCE = "orders-api-audience";
    private static final String REQUIRED = "tenant_required_claim";
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRONG_SECRET = "0123456789abcdef0123456789abcdeX".getBytes(StandardCharsets.US_ASCII);
    private static final RSAKey KEY = Jwts.rsa("order-key-1");
    /** Same kid, another key: what a forger without the private key can make. */
    private static final RSAKey FORGER = Jwts.rsa("order-key-1");

    @TempDir
    static Path dir;

    private static ScheduledExecutorService executor;
    private static JwtAuthenticator jwt;

    @BeforeAll
    static void start() throws Exception {
        Providers keys = Providers.of(ISSUER, null);
        keys.name = "order-keys-provider";
        keys.audiences = List.of(AUDIENCE);
        keys.requiredClaims = List.of(REQUIRED);
        keys.jwksFile = Files.writeString(dir.resolve("keys.jwks"), new JWKSet(KEY.toPublicJWK()).toString(true));
        Providers hmac = Providers.of(HMAC_ISSUER, null);
        hmac.name = "order-hmac-provider";
        hmac.audiences = List.of(AUDIENCE);
        hmac.requiredClaims = List.of(REQUIRED);
        hmac.algorithms = List.of("HS256");
        hmac.hmacSecretFile = Files.write(dir.resolve("secret"), SECRET);
        executor = Jwts.executor();
        jwt = new JwtAuthenticator(List.of(keys.build(), hmac.build()), 8192, executor);
        jwt.start();
    }

    @AfterAll
    static void stop() {
        jwt.close();
        executor.shutdownNow();
    }

    static Stream<Arguments> badClaims() {
        long now = System.currentTimeMillis() / 1000;
        return Stream.of(
                bad("wrong aud", c -> c.put("aud", "someone-else"), Reject.AUDIENCE),
                bad("no aud", c -> c.remove("aud"), Reject.AUDIENCE),
                bad("aud of the wrong type", c -> c.put("aud", 7), Reject.CLAIM_TYPES),
                bad("expired", c -> c.put("exp", now - 3600), Reject.EXPIRED),
                bad("no exp", c -> c.remove("exp"), Reject.NO_EXP),
                bad("exp as a string", c -> c.put("exp", String.valueOf(now + 600)), Reject.CLAIM_TYPES),
                bad("nbf in the future", c -> c.put("nbf", now + 3600), Reject.NOT_YET_VALID),
                bad("iat in the future", c -> c.put("iat", now + 3600), Reject.ISSUED_IN_FUTURE),
                bad("no sub", c -> c.remove("sub"), Reject.NO_SUBJECT),
                bad("sub not a string", c -> c.put("sub", 42), Reject.CLAIM_TYPES),
                bad("required claim missing", c -> c.remove(REQUIRED), Reject.MISSING_CLAIM),
                bad("scope of the wrong type", c -> c.put("scope", 1), Reject.CLAIM_TYPES));
    }

    private static Arguments bad(String name, Consumer<Map<String, Object>> change, Reject specific) {
        return Arguments.of(name, change, specific);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badClaims")
    void aCorrectlySignedTokenGetsTheSpecificAnswer(
            String name, Consumer<Map<String, Object>> change, Reject specific) {
        assertThat(answer(Jwts.token(KEY, claims(ISSUER, change)))).as("RS256").isEqualTo(specific.outcome);
        assertThat(answer(hmac(SECRET, claims(HMAC_ISSUER, change))))
                .as("HS256")
                .isEqualTo(specific.outcome);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badClaims")
    void aForgedTokenGetsTheBadSignatureAnswerWhateverItClaims(
            String name, Consumer<Map<String, Object>> change, Reject specific) {
        assertThat(answer(Jwts.token(FORGER, claims(ISSUER, change))))
                .as("RS256")
                .isEqualTo(Reject.BAD_SIGNATURE.outcome);
        assertThat(answer(hmac(WRONG_SECRET, claims(HMAC_ISSUER, change))))
                .as("HS256")
                .isEqualTo(Reject.BAD_SIGNATURE.outcome);
        String good = Jwts.token(KEY, claims(ISSUER, change));
        String truncated = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA";
        assertThat(answer(truncated)).as("a signature of the wrong length").isEqualTo(Reject.BAD_SIGNATURE.outcome);
    }

    @Test
    void goodClaimsWithAGoodSignatureAreAccepted() {
        assertThat(answer(Jwts.token(KEY, claims(ISSUER, c -> {})))).isInstanceOf(Identity.class);
        assertThat(answer(hmac(SECRET, claims(HMAC_ISSUER, c -> {})))).isInstanceOf(Identity.class);
        assertThat(answer(Jwts.token(FORGER, claims(ISSUER, c -> {})))).isEqualTo(Reject.BAD_SIGNATURE.outcome);
    }

    @Test
    void noAnswerNamesAConfiguredValue() {
        for (Reject r : List.of(
                Reject.AUDIENCE,
                Reject.EXPIRED,
                Reject.NO_EXP,
                Reject.NOT_YET_VALID,
                Reject.ISSUED_IN_FUTURE,
                Reject.NO_SUBJECT,
                Reject.MISSING_CLAIM,
                Reject.CLAIM_TYPES,
                Reject.UNKNOWN_ISSUER,
                Reject.UNKNOWN_KEY,
                Reject.BAD_SIGNATURE,
                Reject.KEY_MISMATCH,
                Reject.ALG_NOT_ACCEPTED,
                Reject.NOT_CANONICAL,
                Reject.KEYS_UNAVAILABLE)) {
            assertThat(r.getMessage())
                    .doesNotContain(
                            ISSUER,
                            HMAC_ISSUER,
                            AUDIENCE,
                            REQUIRED,
                            "order-key-1",
                            "order-keys-provider",
                            "order-hmac-provider");
        }
        Map<String, Object> c = claims(ISSUER, x -> {});
        c.put("iss", "https://unknown.example");
        assertThat(answer(Jwts.token(KEY, c))).isEqualTo(Reject.UNKNOWN_ISSUER.outcome);
    }

    private static AuthOutcome answer(String token) {
        return jwt.authenticate(token);
    }

    private static Map<String, Object> claims(String issuer, Consumer<Map<String, Object>> change) {
        Map<String, Object> c = Jwts.claims(issuer);
        c.put("aud", AUDIENCE);
        c.put(REQUIRED, "t-1");
        change.accept(c);
        return c;
    }

    private static String hmac(byte[] secret, Map<String, Object> claims) {
        return Jwts.hmac(secret, json(header(JWSAlgorithm.HS256, null)), json(claims));
    }
}
