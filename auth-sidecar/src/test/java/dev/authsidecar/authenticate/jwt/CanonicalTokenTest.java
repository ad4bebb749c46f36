package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A token has exactly one spelling. Base64url decoders ignore the bits the last character of a part carries
 * beyond the last byte, so without a check a signature ending in {@code A} also verifies ending in {@code B} …
 * {@code P}: a second token text for the same credential, which a cache, a deny-list or a log keyed on the text
 * would treat as another one.
 */
final class CanonicalTokenTest {
    private static final String ISSUER = "https://canonical.example";
    private static final String HMAC_ISSUER = "https://canonical-hmac.example";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final RSAKey RSA = Jwts.rsa("rsa-1");
    private static final ECKey EC = Jwts.ec("ec-1");
    private static final Jwts.Ed25519 ED = Jwts.ed25519("ed-1");

    @TempDir
    static Path dir;

    private static ScheduledExecutorService executor;
    private static JwtAuthenticator jwt;

    @BeforeAll
    static void start() throws Exception {
        Providers keys = Providers.of(ISSUER, null);
        keys.name = "keys";
        keys.algorithms = List.of("RS256", "ES256", "EdDSA");
        keys.jwksFile = Files.writeString(
                dir.resolve("keys.jwks"),
                new JWKSet(List.of(RSA.toPublicJWK(), EC.toPublicJWK(), ED.jwk())).toString(true));
        Providers hmac = Providers.of(HMAC_ISSUER, null);
        hmac.name = "hmac";
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

    static Stream<Arguments> tokens() {
        return Stream.of(
                Arguments.of("RS256", signed("RS256", "rsa-1")),
                Arguments.of("ES256", signed("ES256", "ec-1")),
                Arguments.of("EdDSA", signed("EdDSA", "ed-1")),
                Arguments.of("HS256", signed("HS256", null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokens")
    void everyOtherLastCharacterOfEveryPartIsRefused(String alg, String token) {
        assertThat(jwt.authenticate(token)).as("the canonical token").isInstanceOf(Identity.class);
        String[] parts = token.split("\\.");
        for (int part = 0; part < 3; part++) {
            assertThat(parts[part].length() % 4)
                    .as("part %d leaves unused bits", part)
                    .isNotZero();
            List<String> sameBytes = new ArrayList<>();
            for (char c : ALPHABET.toCharArray()) {
                String variant = withLastChar(parts, part, c);
                if (variant.equals(token)) {
                    continue;
                }
                AuthOutcome outcome = jwt.authenticate(variant);
                assertThat(outcome)
                        .as("%s part %d ending in %s", alg, part, c)
                        .isInstanceOf(AuthOutcome.Rejected.class);
                assertThat(((AuthOutcome.Rejected) outcome).failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
                if (Arrays.equals(decode(variant.split("\\.")[part]), decode(parts[part]))) {
                    sameBytes.add(variant);
                    assertThat(outcome)
                            .as("%s part %d ending in %s", alg, part, c)
                            .isEqualTo(Reject.NOT_CANONICAL.outcome);
                }
            }
            // 2 unused bits give 3 other spellings of the same bytes, 4 unused bits 15.
            assertThat(sameBytes)
                    .as("%s part %d: other spellings of the same bytes", alg, part)
                    .hasSize(parts[part].length() % 4 == 2 ? 15 : 3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokens")
    void paddingWhitespaceAndOtherAlphabetsAreRefused(String alg, String token) {
        String[] parts = token.split("\\.");
        List<String> variants = new ArrayList<>();
        for (int part = 0; part < 3; part++) {
            String pad = "=".repeat(4 - parts[part].length() % 4);
            variants.add(replace(parts, part, parts[part] + pad));
            variants.add(replace(parts, part, parts[part] + "="));
            variants.add(replace(parts, part, parts[part].substring(0, 2) + " " + parts[part].substring(2)));
            variants.add(replace(parts, part, parts[part] + "\n"));
            variants.add(replace(parts, part, parts[part] + "AAAA"));
            variants.add(replace(parts, part, parts[part].substring(0, parts[part].length() - 1)));
        }
        variants.add(" " + token);
        variants.add(token + " ");
        // The standard alphabet's + and / in place of - and _: the same bytes, another spelling.
        String standard = token.replace('-', '+').replace('_', '/');
        if (!standard.equals(token)) {
            variants.add(standard);
        }
        for (String variant : variants) {
            AuthOutcome outcome = jwt.authenticate(variant);
            assertThat(outcome).as("%s: %s", alg, variant).isInstanceOf(AuthOutcome.Rejected.class);
            assertThat(((AuthOutcome.Rejected) outcome).failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
        }
    }

    @Test
    void aCachedTokenDoesNotLetItsOtherSpellingsIn() throws Exception {
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), """
                auth:
                  jwt:
                    providers:
                      - name: keys
                        issuer: %s
                        audiences: [api]
                        jwksFile: keys.jwks
                        algorithms: [RS256]
                """.formatted(ISSUER));
        try (Authentication auth =
                new Authentication(ConfigLoader.load(config, List.of()).auth(), executor)) {
            auth.start();
            String token = signed("RS256", "rsa-1");
            // The lowest bit of the last character's sextet is never part of a byte.
            String respelt = token.substring(0, token.length() - 1)
                    + ALPHABET.charAt(ALPHABET.indexOf(token.charAt(token.length() - 1)) ^ 1);
            assertThat(auth.authenticate(bearer(token))).isInstanceOf(Identity.class);
            assertThat(auth.authenticate(bearer(token))).as("from the cache").isInstanceOf(Identity.class);
            assertThat(auth.cacheHits()).isEqualTo(1);

            assertThat(auth.authenticate(bearer(respelt))).isEqualTo(Reject.NOT_CANONICAL.outcome);
            assertThat(auth.cacheHits()).isEqualTo(1);
        }
    }

    private static HttpHeaders bearer(String token) {
        return new DefaultHttpHeaders().add(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }

    @Test
    void theCanonicalCheckMatchesTheEncoder() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        for (int n = 0; n <= 5; n++) {
            for (int last = 0; last < 256; last++) {
                byte[] bytes = new byte[n + 1];
                bytes[n] = (byte) last;
                String encoded = encoder.encodeToString(bytes);
                assertThat(CompactJwt.canonical(encoded, 0, encoded.length())).isTrue();
                for (char c : ALPHABET.toCharArray()) {
                    String other = encoded.substring(0, encoded.length() - 1) + c;
                    assertThat(CompactJwt.canonical(other, 0, other.length()))
                            .as("%s", other)
                            .isEqualTo(encoder.encodeToString(decode(other)).equals(other));
                }
            }
        }
        assertThat(CompactJwt.canonical("A", 0, 1))
                .as("a length no encoder produces")
                .isFalse();
    }

    /** Header and payload texts padded with JSON whitespace until no part is a multiple of 4 characters long. */
    private static String signed(String alg, String kid) {
        Map<String, Object> claims = claims(alg.equals("HS256") ? HMAC_ISSUER : ISSUER);
        claims.put("aud", "api");
        String header = json(Jwts.header(JWSAlgorithm.parse(alg), kid));
        String payload = json(claims);
        while (Jwts.b64(header).length() % 4 == 0) {
            header += " ";
        }
        while (Jwts.b64(payload).length() % 4 == 0) {
            payload += " ";
        }
        return switch (alg) {
            case "HS256" -> Jwts.hmac(SECRET, header, payload);
            case "EdDSA" -> ED.sign(header, payload);
            case "ES256" -> Jwts.sign(JWSAlgorithm.ES256, EC, header, payload);
            default -> Jwts.sign(JWSAlgorithm.RS256, RSA, header, payload);
        };
    }

    private static String withLastChar(String[] parts, int part, char c) {
        String p = parts[part];
        return replace(parts, part, p.substring(0, p.length() - 1) + c);
    }

    private static String replace(String[] parts, int part, String with) {
        String[] copy = parts.clone();
        copy[part] = with;
        return String.join(".", copy);
    }

    private static byte[] decode(String part) {
        return Base64.getUrlDecoder().decode(part);
    }
}
