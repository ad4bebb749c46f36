package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.assertRejected;
import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.header;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static dev.authsidecar.authenticate.jwt.Jwts.resolve;
import static dev.authsidecar.authenticate.jwt.Jwts.sign;
import static dev.authsidecar.authenticate.jwt.Jwts.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.testing.JwksServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every known way to make a verifier accept what it should not: each must end as 401 (CREDENTIAL_INVALID). */
final class JwtAttackTableTest {
    private static final RSAKey RSA = Jwts.rsa("rsa-1");
    private static final ECKey EC = Jwts.ec("ec-1");
    private static final RSAKey RSA_RS256_ONLY =
            generate(new RSAKeyGenerator(2048).keyID("rsa-alg").algorithm(JWSAlgorithm.RS256));
    private static final RSAKey RSA_FOR_ENCRYPTION =
            generate(new RSAKeyGenerator(2048).keyID("rsa-enc").keyUse(KeyUse.ENCRYPTION));
    private static final RSAKey ATTACKER = Jwts.rsa("rsa-1");
    private static final RSAKey OTHER_PROVIDER = Jwts.rsa("other-1");
    private static final String OTHER_ISSUER = "https://other.example";

    @TempDir
    static Path dir;

    @RegisterExtension
    static final JwksServer idp = JwksServer.forClass().serve(RSA, EC, RSA_RS256_ONLY, RSA_FOR_ENCRYPTION);

    @RegisterExtension
    static final JwksServer attackerHost = JwksServer.forClass().serve(ATTACKER);

    private static ScheduledExecutorService executor;
    private static JwtAuthenticator jwt;
    private static String issuer;

    @BeforeAll
    static void start() throws Exception {
        issuer = idp.issuer();
        Path otherKeys = Jwts.writeJwks(dir.resolve("other.jwks"), OTHER_PROVIDER);
        Providers other = Providers.of(OTHER_ISSUER, null);
        other.name = "other";
        other.jwksFile = otherKeys;
        Providers main = Providers.of(idp);
        main.unknownKidInterval = Duration.ofHours(1);
        executor = Jwts.executor();
        jwt = new JwtAuthenticator(List.of(main.build(), other.build()), 8192, executor);
        jwt.start();
        Jwts.eventually(Duration.ofSeconds(5), () -> jwt.status().stream().allMatch(KeySetStatus::hasKeys));
    }

    @AfterAll
    static void stop() {
        jwt.close();
        executor.shutdownNow();
    }

    @Test
    void theUntamperedTokensAreAccepted() {
        assertThat(resolve(jwt.authenticate(token(RSA, claims(issuer))))).isInstanceOf(Identity.class);
        assertThat(resolve(jwt.authenticate(token(EC, claims(issuer))))).isInstanceOf(Identity.class);
        assertThat(resolve(jwt.authenticate(
                        sign(JWSAlgorithm.PS256, RSA, header(JWSAlgorithm.PS256, "rsa-1"), claims(issuer)))))
                .isInstanceOf(Identity.class);
        assertThat(resolve(jwt.authenticate(token(RSA_RS256_ONLY, claims(issuer)))))
                .isInstanceOf(Identity.class);
        assertThat(resolve(jwt.authenticate(token(OTHER_PROVIDER, claims(OTHER_ISSUER)))))
                .isInstanceOf(Identity.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt", "application/jwt"})
    void jwtTypesAreAccepted(String typ) {
        Map<String, Object> h = header(JWSAlgorithm.RS256, "rsa-1");
        h.put("typ", typ);
        assertThat(resolve(jwt.authenticate(sign(JWSAlgorithm.RS256, RSA, h, claims(issuer)))))
                .isInstanceOf(Identity.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void isRejected(String attack, Supplier<String> token) {
        int attackerRequests = attackerHost.allRequests();
        AuthOutcome outcome = resolve(jwt.authenticate(token.get()));
        assertRejected(outcome, Failure.CREDENTIAL_INVALID);
        assertThat(attackerHost.allRequests())
                .as("requests to URLs named in the token")
                .isEqualTo(attackerRequests);
        assertThat(idp.paths()).allMatch(p -> p.equals("/jwks"));
    }

    @Test
    void anUnknownIssuerCostsNoRequest() {
        int before = idp.allRequests();
        Map<String, Object> c = claims("https://unknown.example");
        assertRejected(jwt.authenticate(token(RSA, c)), Failure.CREDENTIAL_INVALID);
        c.put("kid", "never-seen");
        assertRejected(
                jwt.authenticate(sign(JWSAlgorithm.RS256, RSA, header(JWSAlgorithm.RS256, "nope"), c)),
                Failure.CREDENTIAL_INVALID);
        assertThat(idp.allRequests()).isEqualTo(before);
    }

    static Stream<Arguments> attacks() {
        return Stream.of(
                attack("alg none", () -> unsigned("none")),
                attack("alg None", () -> unsigned("None")),
                attack("alg NONE", () -> unsigned("NONE")),
                attack("alg nOnE", () -> unsigned("nOnE")),
                attack(
                        "alg none, empty signature",
                        () -> unsigned("none").substring(0, unsigned("none").lastIndexOf('.') + 1)),
                attack(
                        "HS256 keyed with the RSA public key (DER)",
                        () -> Jwts.hmac(publicKeyDer(), hdr("HS256", "rsa-1"), json(claims(issuer)))),
                attack(
                        "HS256 keyed with the RSA public key (JWK JSON)",
                        () -> Jwts.hmac(
                                RSA.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                                hdr("HS256", "rsa-1"),
                                json(claims(issuer)))),
                attack(
                        "embedded jwk",
                        () -> withHeader(
                                ATTACKER,
                                h -> put(h, "jwk", ATTACKER.toPublicJWK().toJSONObject()))),
                attack(
                        "jku to another host",
                        () -> withHeader(
                                ATTACKER,
                                h -> put(h, "jku", attackerHost.jwksUri().toString()))),
                attack(
                        "x5u to another host",
                        () -> withHeader(ATTACKER, h -> put(h, "x5u", attackerHost.issuer() + "/cert.pem"))),
                attack(
                        "x5c chain",
                        () -> withHeader(
                                ATTACKER,
                                h -> put(h, "x5c", List.of(Base64.getEncoder().encodeToString(new byte[64]))))),
                attack(
                        "jku on a token signed with the real key",
                        () -> withHeader(
                                RSA, h -> put(h, "jku", attackerHost.jwksUri().toString()))),
                attack(
                        "kid path traversal",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                header(JWSAlgorithm.RS256, "../../etc/passwd"),
                                claims(issuer))),
                attack("kid of another type", () -> withHeader(RSA, h -> put(h, "kid", 1))),
                attack(
                        "alg outside the allow-list (RS512)",
                        () -> sign(JWSAlgorithm.RS512, RSA, header(JWSAlgorithm.RS512, "rsa-1"), claims(issuer))),
                attack("alg in another casing (rs256)", () -> withHeader(RSA, h -> put(h, "alg", "rs256"))),
                attack("alg EdDSA", () -> withHeader(RSA, h -> put(h, "alg", "EdDSA"))),
                attack("alg not a string", () -> withHeader(RSA, h -> put(h, "alg", 256))),
                attack(
                        "ES256 on an RSA key",
                        () -> sign(JWSAlgorithm.ES256, EC, header(JWSAlgorithm.ES256, "rsa-1"), claims(issuer))),
                attack(
                        "PS256 on a key restricted to RS256",
                        () -> sign(
                                JWSAlgorithm.PS256,
                                RSA_RS256_ONLY,
                                header(JWSAlgorithm.PS256, "rsa-alg"),
                                claims(issuer))),
                attack("key published for encryption", () -> token(RSA_FOR_ENCRYPTION, claims(issuer))),
                attack("signed by an unknown key reusing a known kid", () -> token(ATTACKER, claims(issuer))),
                attack(
                        "signed by an unknown key without kid",
                        () -> sign(JWSAlgorithm.RS256, ATTACKER, header(JWSAlgorithm.RS256, null), claims(issuer))),
                attack("expired", () -> withClaims(c -> put(c, "exp", now() - 3600))),
                attack("nbf in the future", () -> withClaims(c -> put(c, "nbf", now() + 3600))),
                attack("iat in the future", () -> withClaims(c -> put(c, "iat", now() + 3600))),
                attack("no exp", () -> withClaims(c -> remove(c, "exp"))),
                attack("exp as a string", () -> withClaims(c -> put(c, "exp", String.valueOf(now() + 600)))),
                attack("exp as a boolean", () -> withClaims(c -> put(c, "exp", true))),
                attack("nbf as a string", () -> withClaims(c -> put(c, "nbf", "0"))),
                attack(
                        "wrong iss (another configured issuer, signed with this one's key)",
                        () -> token(RSA, claims(OTHER_ISSUER))),
                attack("unknown iss", () -> token(RSA, claims("https://evil.example"))),
                attack("iss not a string", () -> withClaims(c -> put(c, "iss", List.of(issuer)))),
                attack("no iss", () -> withClaims(c -> remove(c, "iss"))),
                attack("wrong aud", () -> withClaims(c -> put(c, "aud", "someone-else"))),
                attack("wrong aud in an array", () -> withClaims(c -> put(c, "aud", List.of("a", "b")))),
                attack("empty aud string", () -> withClaims(c -> put(c, "aud", ""))),
                attack("empty aud array", () -> withClaims(c -> put(c, "aud", List.of()))),
                attack("no aud", () -> withClaims(c -> remove(c, "aud"))),
                attack("aud as a number", () -> withClaims(c -> put(c, "aud", 42))),
                attack("aud array with a number", () -> withClaims(c -> put(c, "aud", List.of("api", 42)))),
                attack("no sub", () -> withClaims(c -> remove(c, "sub"))),
                attack("empty sub", () -> withClaims(c -> put(c, "sub", ""))),
                attack("sub as a number", () -> withClaims(c -> put(c, "sub", 7))),
                attack("scope as a number", () -> withClaims(c -> put(c, "scope", 7))),
                attack("unknown crit", () -> withHeader(RSA, h -> put(h, "crit", List.of("exp")))),
                attack("empty crit", () -> withHeader(RSA, h -> put(h, "crit", List.of()))),
                attack("b64 crit", () -> withHeader(RSA, h -> put(put(h, "b64", false), "crit", List.of("b64")))),
                attack("typ not a JWT", () -> withHeader(RSA, h -> put(h, "typ", "dpop+jwt"))),
                attack("typ not a string", () -> withHeader(RSA, h -> put(h, "typ", 1))),
                attack("cty JWT (nested)", () -> withHeader(RSA, h -> put(h, "cty", "JWT"))),
                attack(
                        "nested token as payload",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                json(put(header(JWSAlgorithm.RS256, "rsa-1"), "cty", "JWT")),
                                token(RSA, claims(issuer)))),
                attack("ES256 signature r = s = 0", () -> {
                    String t = token(EC, claims(issuer));
                    return t.substring(0, t.lastIndexOf('.') + 1)
                            + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);
                }),
                attack("truncated signature", () -> {
                    String t = token(RSA, claims(issuer));
                    return t.substring(0, t.length() - 6);
                }),
                attack("signature with one character changed", () -> flipLast(token(RSA, claims(issuer)))),
                attack("payload with one character changed", () -> {
                    String t = token(RSA, claims(issuer));
                    String[] parts = t.split("\\.");
                    return parts[0] + "." + Jwts.b64(json(claims(issuer)).replace("alice", "alicf")) + "." + parts[2];
                }),
                attack("payload of another valid token", () -> {
                    String[] a = token(RSA, claims(issuer)).split("\\.");
                    Map<String, Object> admin = claims(issuer);
                    admin.put("sub", "admin");
                    String[] b = token(RSA, admin).split("\\.");
                    return a[0] + "." + b[1] + "." + a[2];
                }),
                attack("extra segment", () -> token(RSA, claims(issuer)) + ".AAAA"),
                attack("missing segment", () -> {
                    String t = token(RSA, claims(issuer));
                    return t.substring(0, t.lastIndexOf('.'));
                }),
                attack("empty signature", () -> {
                    String t = token(RSA, claims(issuer));
                    return t.substring(0, t.lastIndexOf('.') + 1);
                }),
                attack(
                        "empty header",
                        () -> token(RSA, claims(issuer))
                                .substring(token(RSA, claims(issuer)).indexOf('.'))),
                attack("only dots", () -> ".."),
                attack("padding (=) in the signature", () -> token(RSA, claims(issuer)) + "="),
                attack("standard base64 + in the signature", () -> replaceInSignature(token(RSA, claims(issuer)), '+')),
                attack("standard base64 / in the signature", () -> replaceInSignature(token(RSA, claims(issuer)), '/')),
                attack("space in the payload", () -> {
                    String t = token(RSA, claims(issuer));
                    int dot = t.indexOf('.');
                    return t.substring(0, dot + 5) + " " + t.substring(dot + 5);
                }),
                attack(
                        "percent-encoded character",
                        () -> token(RSA, claims(issuer)).replaceFirst("\\.", ".%41")),
                attack("non-ASCII character", () -> token(RSA, claims(issuer)).replaceFirst("\\.", ".\u00e9")),
                attack(
                        "duplicate sub in the payload",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                hdr("RS256", "rsa-1"),
                                json(claims(issuer))
                                        .replace("\"sub\":\"alice\"", "\"sub\":\"alice\",\"sub\":\"admin\""))),
                attack(
                        "duplicate exp in the payload",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                hdr("RS256", "rsa-1"),
                                json(claims(issuer)).replaceFirst("\\}$", ",\"exp\":99999999999}"))),
                attack(
                        "duplicate alg in the header",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                "{\"alg\":\"none\",\"kid\":\"rsa-1\",\"alg\":\"RS256\"}",
                                json(claims(issuer)))),
                attack(
                        "duplicate kid in the header",
                        () -> sign(
                                JWSAlgorithm.RS256,
                                RSA,
                                "{\"alg\":\"RS256\",\"kid\":\"x\",\"kid\":\"rsa-1\"}",
                                json(claims(issuer)))),
                attack(
                        "header that is a JSON array",
                        () -> sign(JWSAlgorithm.RS256, RSA, "[\"RS256\"]", json(claims(issuer)))),
                attack(
                        "trailing data after the payload JSON",
                        () -> sign(JWSAlgorithm.RS256, RSA, hdr("RS256", "rsa-1"), json(claims(issuer)) + "{}")),
                attack("payload JSON null", () -> sign(JWSAlgorithm.RS256, RSA, hdr("RS256", "rsa-1"), "null")),
                attack("payload not JSON", () -> sign(JWSAlgorithm.RS256, RSA, hdr("RS256", "rsa-1"), "hello")),
                attack("oversized token", () -> withClaims(c -> put(c, "pad", "x".repeat(9000)))),
                attack("JWE (five parts)", JwtAttackTableTest::jwe),
                attack("enc header on a JWS", () -> withHeader(RSA, h -> put(h, "enc", "A256GCM"))));
    }

    private static Arguments attack(String name, Supplier<String> token) {
        return Arguments.of(name, token);
    }

    private static String unsigned(String alg) {
        return Jwts.b64("{\"alg\":\"" + alg + "\",\"kid\":\"rsa-1\"}") + "." + Jwts.b64(json(claims(issuer)))
                + ".c2lnbmF0dXJl";
    }

    private static String hdr(String alg, String kid) {
        return "{\"alg\":\"" + alg + "\",\"kid\":\"" + kid + "\"}";
    }

    private static String withHeader(RSAKey key, UnaryOperator<Map<String, Object>> change) {
        return sign(JWSAlgorithm.RS256, key, change.apply(header(JWSAlgorithm.RS256, key.getKeyID())), claims(issuer));
    }

    private static String withClaims(UnaryOperator<Map<String, Object>> change) {
        return token(RSA, change.apply(claims(issuer)));
    }

    private static Map<String, Object> put(Map<String, Object> map, String key, Object value) {
        map.put(key, value);
        return map;
    }

    private static Map<String, Object> remove(Map<String, Object> map, String key) {
        map.remove(key);
        return map;
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static String flipLast(String token) {
        int i = token.length() - 10;
        char c = token.charAt(i) == 'A' ? 'B' : 'A';
        return token.substring(0, i) + c + token.substring(i + 1);
    }

    private static String replaceInSignature(String token, char c) {
        int i = token.length() - 10;
        return token.substring(0, i) + c + token.substring(i + 1);
    }

    private static String jwe() {
        try {
            JWEObject jwe = new JWEObject(
                    new JWEHeader(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM),
                    new Payload(json(claims(issuer))));
            jwe.encrypt(new RSAEncrypter(RSA.toPublicJWK()));
            String s = jwe.serialize();
            assertThat(s.chars().filter(ch -> ch == '.').count()).isEqualTo(4);
            return s;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] publicKeyDer() {
        try {
            return RSA.toRSAPublicKey().getEncoded();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAKey generate(com.nimbusds.jose.jwk.gen.JWKGenerator<RSAKey> generator) {
        try {
            return generator.generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
