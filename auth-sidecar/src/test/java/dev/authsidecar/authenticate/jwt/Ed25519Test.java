package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.assertRejected;
import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.header;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static dev.authsidecar.authenticate.jwt.Jwts.resolve;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** EdDSA tokens on Ed25519 keys, verified by the JDK: signed by JDK key pairs, checked against RFC 8037's example. */
final class Ed25519Test {
    private static final String ISSUER = "https://issuer.example";
    private static final Jwts.Ed25519 ED = Jwts.ed25519("ed-1");
    private static final Jwts.Ed25519 ATTACKER = Jwts.ed25519("ed-1");
    private static final RSAKey RSA = Jwts.rsa("rsa-1");
    private static final ECKey EC = Jwts.ec("ec-1");
    /** Ed448 keys are left out of key sets: the JDK could verify them, but nothing here asks for them. */
    private static final String ED448 =
            "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"ed448\",\"x\":\"" + Base64URL.encode(new byte[57]) + "\"}";

    @TempDir
    Path dir;

    private final ScheduledExecutorService executor = Jwts.executor();

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    @Test
    void anEd25519TokenIsAccepted() throws Exception {
        try (JwtAuthenticator jwt = authenticator(List.of("RS256", "EdDSA"))) {
            Identity identity = (Identity) jwt.authenticate(ED.token(claims(ISSUER)));
            assertThat(identity.subject()).isEqualTo("alice");
            assertThat(identity.scopes()).containsExactlyInAnyOrder("read", "write");

            String withoutKid = ED.sign(json(header(JWSAlgorithm.EdDSA, null)), json(claims(ISSUER)));
            assertThat(jwt.authenticate(withoutKid))
                    .as("tried against every fitting key")
                    .isInstanceOf(Identity.class);
            assertThat(jwt.authenticate(Jwts.token(RSA, claims(ISSUER))))
                    .as("RSA beside it")
                    .isInstanceOf(Identity.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tampered")
    void aTamperedEd25519TokenIsRejected(String change, Supplier<String> token) throws Exception {
        try (JwtAuthenticator jwt = authenticator(List.of("RS256", "EdDSA"))) {
            assertThat(jwt.authenticate(ED.token(claims(ISSUER)))).isInstanceOf(Identity.class);
            assertRejected(resolve(jwt.authenticate(token.get())), Failure.CREDENTIAL_INVALID);
        }
    }

    static Stream<Arguments> tampered() {
        return Stream.of(
                Arguments.of("one signature character changed", (Supplier<String>) () -> {
                    String t = ED.token(claims(ISSUER));
                    int i = t.length() - 10;
                    return t.substring(0, i) + (t.charAt(i) == 'A' ? 'B' : 'A') + t.substring(i + 1);
                }),
                Arguments.of("payload changed", (Supplier<String>) () -> {
                    String[] parts = ED.token(claims(ISSUER)).split("\\.");
                    return parts[0] + "." + Jwts.b64(json(claims(ISSUER)).replace("alice", "alicf")) + "." + parts[2];
                }),
                Arguments.of("signature truncated to 60 bytes", (Supplier<String>) () -> {
                    String t = ED.token(claims(ISSUER));
                    return t.substring(0, t.length() - 6);
                }),
                Arguments.of("signature of 64 zero bytes", (Supplier<String>) () -> withSignature(new byte[64])),
                Arguments.of("signature with s above the group order", (Supplier<String>) () -> {
                    byte[] sig = new byte[64];
                    Arrays.fill(sig, (byte) 0xff);
                    return withSignature(sig);
                }),
                Arguments.of("signed by another key with the same kid", (Supplier<String>)
                        () -> ATTACKER.token(claims(ISSUER))),
                Arguments.of("alg changed to Ed25519 (not listed)", (Supplier<String>)
                        () -> ED.sign(json(header(JWSAlgorithm.Ed25519, "ed-1")), json(claims(ISSUER)))));
    }

    @Test
    void eddsaWithAKeyThatIsNotEd25519IsRejected() throws Exception {
        try (JwtAuthenticator jwt = authenticator(List.of("RS256", "ES256", "EdDSA"))) {
            for (String kid : List.of("rsa-1", "ec-1", "ed448")) {
                String token = ED.sign(json(header(JWSAlgorithm.EdDSA, kid)), json(claims(ISSUER)));
                assertRejected(resolve(jwt.authenticate(token)), Failure.CREDENTIAL_INVALID);
            }
            String rsaOnEdKey = Jwts.sign(JWSAlgorithm.RS256, RSA, header(JWSAlgorithm.RS256, "ed-1"), claims(ISSUER));
            AuthOutcome outcome = jwt.authenticate(rsaOnEdKey);
            assertRejected(outcome, Failure.CREDENTIAL_INVALID);
            assertThat(((AuthOutcome.Rejected) outcome).detail()).isEqualTo(Reject.KEY_MISMATCH.getMessage());
        }
    }

    @Test
    void eddsaIsRefusedWhenTheProviderDoesNotListIt() throws Exception {
        try (JwtAuthenticator jwt = authenticator(List.of("RS256", "PS256", "ES256"))) {
            AuthOutcome outcome = jwt.authenticate(ED.token(claims(ISSUER)));
            assertRejected(outcome, Failure.CREDENTIAL_INVALID);
            assertThat(((AuthOutcome.Rejected) outcome).detail()).isEqualTo(Reject.ALG_NOT_ACCEPTED.getMessage());
        }
    }

    @Test
    void onlyEd25519KeysThatArePointsOfTheCurveAreKept() throws Exception {
        List<String> unusable = List.of(
                ED448,
                okp("Ed25519", "not-a-point", filled(32, 0xff)),
                okp("Ed25519", "short", filled(31, 1)),
                okp("X25519", "x25519", filled(32, 9)));
        List<String> all = new ArrayList<>(unusable);
        all.add(ED.jwk().toJSONString());
        KeySet keys = KeySet.parse("{\"keys\":[" + String.join(",", all) + "]}", "test", KeySet.Source.FETCHED, 0);
        assertThat(keys.size()).isEqualTo(1);
        assertThat(keys.withKid("ed-1").get(0).algorithms())
                .containsExactlyInAnyOrder(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
        assertThatThrownBy(() -> KeySet.parse(
                        "{\"keys\":[" + String.join(",", unusable) + "]}", "test", KeySet.Source.FETCHED, 0))
                .isInstanceOf(ParseException.class);
    }

    @Test
    void aKeyRestrictedToEdDsaKeepsOnlyThat() throws Exception {
        String restricted = ED.jwk().toJSONString().replaceFirst("\\{", "{\"alg\":\"EdDSA\",");
        KeySet keys = KeySet.parse("{\"keys\":[" + restricted + "]}", "test", KeySet.Source.FETCHED, 0);
        assertThat(keys.all().get(0).algorithms()).containsExactly(JWSAlgorithm.EdDSA);
    }

    /** RFC 8037 appendix A.4: the key of A.1 and its signed example, as published. */
    @Test
    void theRfc8037ExampleVerifies() throws Exception {
        OctetKeyPair key = new OctetKeyPair.Builder(
                        Curve.Ed25519, new Base64URL("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"))
                .build();
        String jws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIb"
                + "QR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
        int dot = jws.lastIndexOf('.');
        byte[] input = jws.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
        Base64URL signature = new Base64URL(jws.substring(dot + 1));
        JdkEd25519Verifier verifier = new JdkEd25519Verifier(key);

        assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.EdDSA), input, signature))
                .isTrue();
        assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.Ed25519), input, signature))
                .isTrue();
        input[input.length - 1] ^= 1;
        assertThat(verifier.verify(new JWSHeader(JWSAlgorithm.EdDSA), input, signature))
                .isFalse();
        assertThatThrownBy(() -> verifier.verify(new JWSHeader(JWSAlgorithm.RS256), input, signature))
                .isInstanceOf(JOSEException.class);
        assertThatThrownBy(() -> new JdkEd25519Verifier(OctetKeyPair.parse(ED448)))
                .isInstanceOf(JOSEException.class);
    }

    private JwtAuthenticator authenticator(List<String> algorithms) throws Exception {
        Providers p = Providers.of(ISSUER, null);
        p.algorithms = algorithms;
        List<String> keys = new ArrayList<>();
        for (JWK key : List.of(ED.jwk(), RSA.toPublicJWK(), EC.toPublicJWK())) {
            keys.add(key.toJSONString());
        }
        keys.add(ED448);
        p.jwksFile = Files.writeString(dir.resolve("keys.jwks"), "{\"keys\":[" + String.join(",", keys) + "]}");
        return new JwtAuthenticator(List.of(p.build()), 8192, executor);
    }

    private static String withSignature(byte[] signature) {
        String t = ED.token(claims(ISSUER));
        return t.substring(0, t.lastIndexOf('.') + 1)
                + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String okp(String curve, String kid, byte[] x) {
        return "{\"kty\":\"OKP\",\"crv\":\"" + curve + "\",\"kid\":\"" + kid + "\",\"x\":\"" + Base64URL.encode(x)
                + "\"}";
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
