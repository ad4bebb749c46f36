package dev.authsidecar.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.authenticate.jwt.JwtParsing;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The bearer-token path: {@code Authorization} extraction, the compact-JWT parser and the verifier, with a
 * provider whose keys are in a file and one with an HMAC secret (no network, so nothing is ever pending).
 *
 * <ul>
 *   <li>{@link #bearerToken}: any header value. Nothing throws; the answer is anonymous or a refusal (401, or
 *       400 for a malformed header), whose detail never echoes the token or a configured value; a token the
 *       parser accepts is canonical base64url in every part.
 *   <li>{@link #signedToken}: any header and payload text, correctly signed (HMAC or RSA), so the fuzzer
 *       reaches the header policy and the claim checks. A token let in must have the claims a provider demands.
 * </ul>
 *
 * <p>Regression inputs: {@code src/test/resources/dev/authsidecar/fuzz/JwtFuzzTestInputs/<method>/}.
 */
final class JwtFuzzTest {
    static final String ISSUER = "https://issuer.fuzz.example";
    static final String HMAC_ISSUER = "https://hmac.fuzz.example";
    static final String AUDIENCE = "aud-fuzz-7f3a";
    static final String KID = "kid-fuzz-rsa";
    /** 32 bytes: the HMAC secret is fixed so that regression inputs mean the same on every run. */
    static final byte[] SECRET = "fuzz-secret-0123456789abcdef-ABC".getBytes(StandardCharsets.US_ASCII);

    private static final JWSHeader RS256 = new JWSHeader(JWSAlgorithm.RS256);
    private static final JWSHeader HS256 = new JWSHeader(JWSAlgorithm.HS256);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private static Path dir;
    private static ScheduledExecutorService executor;
    private static Authentication auth;
    private static RSASSASigner rsaSigner;
    private static MACSigner hmacSigner;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("jwt-fuzz");
        RSAKey rsa = new RSAKeyGenerator(2048).keyID(KID).generate();
        rsaSigner = new RSASSASigner(rsa);
        hmacSigner = new MACSigner(SECRET);
        Files.writeString(dir.resolve("keys.jwks"), new JWKSet(rsa.toPublicJWK()).toString(true));
        Files.write(dir.resolve("secret"), SECRET);
        Path config = Files.writeString(
                dir.resolve("sidecar.yaml"), """
                auth:
                  apiKeys:
                    - name: fuzz
                      sha256: %s
                  jwt:
                    providers:
                      - name: file
                        issuer: %s
                        audiences: [%s]
                        jwksFile: keys.jwks
                        algorithms: [RS256, PS256, ES256, EdDSA]
                        requiredClaims: [tenant]
                      - name: hmac
                        issuer: %s
                        audiences: [%s]
                        hmacSecretFile: secret
                        algorithms: [HS256]
                """.formatted("ab".repeat(32), ISSUER, AUDIENCE, HMAC_ISSUER, AUDIENCE));
        executor = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "jwt-fuzz");
            t.setDaemon(true);
            return t;
        });
        auth = new Authentication(ConfigLoader.load(config, List.of()).auth(), executor);
        auth.start();
    }

    @AfterAll
    static void stop() throws Exception {
        auth.close();
        executor.shutdownNow();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest(maxDuration = "2m")
    void bearerToken(byte[] input) {
        // Header values reach us as ISO-8859-1 text: every byte is one char.
        String text = new String(input, StandardCharsets.ISO_8859_1);

        String[] segments = JwtParsing.acceptedSegments(text);
        if (segments != null) {
            assertThat(segments).hasSize(3);
            for (String segment : segments) {
                assertThat(B64.encodeToString(Base64.getUrlDecoder().decode(segment)))
                        .as("the one spelling of a part the parser accepted")
                        .isEqualTo(segment);
            }
        }

        // Odd first byte: the text is the token; even: the text is the whole header value.
        String value = input.length > 0 && (input[0] & 1) == 1 ? "Bearer " + text : text;
        HttpHeaders headers =
                DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        headers.add(HttpHeaderNames.AUTHORIZATION, value);
        AuthOutcome outcome = auth.authenticate(headers);

        assertThat(outcome).isNotInstanceOf(AuthOutcome.Pending.class).isNotInstanceOf(Identity.class);
        if (outcome instanceof AuthOutcome.Rejected r) {
            assertThat(r.failure()).isIn(Failure.CREDENTIAL_INVALID, Failure.CREDENTIAL_MALFORMED);
            assertThat(r.detail()).doesNotContain(ISSUER, HMAC_ISSUER, AUDIENCE, KID, "tenant");
            if (text.length() >= 16) {
                assertThat(r.detail()).doesNotContain(text);
            }
        }
    }

    /**
     * @param input first byte: bit 0 set signs with the RSA key ({@code RS256}), clear with the HMAC secret
     *     ({@code HS256}); the rest is UTF-8 text, the header JSON up to the first NUL and the payload after it
     *     (JSON cannot hold a raw NUL, so the split loses nothing)
     */
    @FuzzTest(maxDuration = "2m")
    void signedToken(byte[] input) throws JOSEException {
        if (input.length == 0) {
            return;
        }
        boolean useRsa = (input[0] & 1) == 1;
        String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        int nul = text.indexOf('\0');
        String header = nul < 0 ? text : text.substring(0, nul);
        String payload = nul < 0 ? "" : text.substring(nul + 1);
        String signingText = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        byte[] signingInput = signingText.getBytes(StandardCharsets.US_ASCII);
        String signature = useRsa
                ? rsaSigner.sign(RS256, signingInput).toString()
                : hmacSigner.sign(HS256, signingInput).toString();
        HttpHeaders headers =
                DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        headers.add(HttpHeaderNames.AUTHORIZATION, "Bearer " + signingText + "." + signature);

        AuthOutcome outcome = auth.authenticate(headers);

        assertThat(outcome).isNotInstanceOf(AuthOutcome.Pending.class);
        if (outcome instanceof AuthOutcome.Rejected r) {
            assertThat(r.failure()).isIn(Failure.CREDENTIAL_INVALID, Failure.CREDENTIAL_MALFORMED);
            assertThat(r.detail()).doesNotContain(ISSUER, HMAC_ISSUER, AUDIENCE, KID, "tenant");
            return;
        }
        assertThat(outcome).isInstanceOf(Identity.class);
        assertAcceptable((Identity) outcome, useRsa ? ISSUER : HMAC_ISSUER);
    }

    /** What every provider demands of a token it lets in, checked independently of the verifier. */
    private static void assertAcceptable(Identity id, String issuer) {
        Map<String, Object> claims = id.claims();
        long now = System.currentTimeMillis() / 1000;
        assertThat(id.method()).isEqualTo("jwt");
        assertThat(claims.get("iss")).isEqualTo(issuer);
        assertThat(id.issuer()).isEqualTo(issuer);
        assertThat(claims.get("exp")).isInstanceOf(Number.class);
        assertThat(((Number) claims.get("exp")).doubleValue()).isGreaterThan(now - 61);
        for (String name : List.of("nbf", "iat")) {
            if (claims.containsKey(name)) {
                assertThat(claims.get(name)).isInstanceOf(Number.class);
                assertThat(((Number) claims.get(name)).doubleValue()).isLessThan(now + 62);
            }
        }
        Object aud = claims.get("aud");
        assertThat(aud instanceof List<?> list ? list.contains(AUDIENCE) : AUDIENCE.equals(aud))
                .isTrue();
        assertThat(claims.get("sub")).isInstanceOf(String.class).isEqualTo(id.subject());
        assertThat(id.subject()).isNotEmpty();
        if (issuer.equals(ISSUER)) {
            assertThat(claims.get("tenant")).isNotNull();
        }
    }
}
