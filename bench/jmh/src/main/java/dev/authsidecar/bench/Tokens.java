package dev.authsidecar.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Keys, a key file and tokens shaped like an identity provider's access tokens (a Keycloak-like claim set: about
 * 800 bytes with RS256, 550 with ES256 and EdDSA), for the benchmarks. Each instance makes fresh keys.
 */
public final class Tokens implements AutoCloseable {
    public static final String ISSUER = "https://idp.bench.example/realms/bench";
    public static final String AUDIENCE = "main-service";
    public static final List<String> ALGORITHMS = List.of("RS256", "PS256", "ES256", "EdDSA");

    private final RSAKey rsa;
    private final ECKey ec;
    private final KeyPair ed;
    private final OctetKeyPair edJwk;
    private final Path dir;
    private final Path jwksFile;

    public Tokens() {
        try {
            rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            // Nimbus needs Google Tink to make Ed25519 keys; the JDK makes them itself. x is the raw public key, the
            // last 32 bytes of the X.509 encoding.
            ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = ed.getPublic().getEncoded();
            edJwk = new OctetKeyPair.Builder(
                            Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                    .keyID("ed-1")
                    .build();
            dir = Files.createTempDirectory("auth-sidecar-jmh");
            List<String> keys = new ArrayList<>();
            for (JWK key : List.of(rsa.toPublicJWK(), ec.toPublicJWK(), edJwk)) {
                keys.add(key.toJSONString());
            }
            jwksFile = Files.writeString(dir.resolve("keys.jwks"), "{\"keys\":[" + String.join(",", keys) + "]}");
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A typical request's headers, carrying {@code credential} as its bearer token. */
    public static HttpHeaders requestHeaders(String credential) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.HOST, "main-service");
        headers.set(HttpHeaderNames.USER_AGENT, "bench");
        headers.set(HttpHeaderNames.ACCEPT, "application/json");
        headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + credential);
        return headers;
    }

    /** The public key set: one RSA (2048 bits), one EC P-256 and one Ed25519 key. */
    public String jwks() {
        try {
            return Files.readString(jwksFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code auth} section of a sidecar config with one provider reading {@link #jwksFile} and accepting every
     * algorithm benchmarked: no network, no refresh. Read through the real config loader, as the sidecar would.
     */
    public AuthConfig authConfig() {
        return loadAuth(dir, """
                auth:
                  jwt:
                    providers:
                      - name: bench
                        issuer: %s
                        audiences: [%s]
                        jwksFile: %s
                        algorithms: [%s]
                """.formatted(ISSUER, AUDIENCE, jwksFile.getFileName(), String.join(", ", ALGORITHMS)));
    }

    /** Writes {@code yaml} to {@code dir} and loads it with the sidecar's config loader. */
    public static AuthConfig loadAuth(Path dir, String yaml) {
        try {
            Path file = Files.writeString(dir.resolve("sidecar-" + UUID.randomUUID() + ".yaml"), yaml);
            try {
                return ConfigLoader.load(file, List.of()).auth();
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A fresh token (new {@code jti}) valid for two hours, signed with {@code alg}. */
    public String token(String alg) {
        long now = System.currentTimeMillis() / 1000;
        String kid = switch (alg) {
            case "RS256", "PS256" -> "rsa-1";
            case "ES256" -> "ec-1";
            case "EdDSA" -> "ed-1";
            default -> throw new IllegalArgumentException(alg);
        };
        String header = "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
        String payload = String.format(
                Locale.ROOT,
                "{\"exp\":%d,\"iat\":%d,\"jti\":\"%s\",\"iss\":\"%s\","
                        + "\"aud\":\"%s\",\"sub\":\"f2b7c1de-3a4b-4c5d-8e9f-0a1b2c3d4e5f\",\"typ\":\"Bearer\","
                        + "\"azp\":\"web-frontend\",\"scope\":\"openid profile orders:read orders:write\","
                        + "\"preferred_username\":\"alice\"}",
                now + 7200,
                now,
                UUID.randomUUID(),
                ISSUER,
                AUDIENCE);
        String input = b64(header) + "." + b64(payload);
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        try {
            Base64URL signature = switch (alg) {
                case "RS256" -> new RSASSASigner(rsa).sign(new JWSHeader(JWSAlgorithm.RS256), bytes);
                case "PS256" -> new RSASSASigner(rsa).sign(new JWSHeader(JWSAlgorithm.PS256), bytes);
                case "ES256" -> new ECDSASigner(ec).sign(new JWSHeader(JWSAlgorithm.ES256), bytes);
                default -> Base64URL.encode(ed25519(bytes));
            };
            return input + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] ed25519(byte[] input) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(ed.getPrivate());
            signer.update(input);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(jwksFile);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints each token's length and the providers the JDK picks, for the results file. */
    public static void main(String[] args) throws Exception {
        try (Tokens tokens = new Tokens()) {
            for (String alg : ALGORITHMS) {
                System.out.println("token " + alg + " " + tokens.token(alg).length());
            }
        }
        System.out.println("provider SHA256withRSA "
                + Signature.getInstance("SHA256withRSA").getProvider());
        System.out.println(
                "provider RSASSA-PSS " + Signature.getInstance("RSASSA-PSS").getProvider());
        System.out.println("provider SHA256withECDSA "
                + Signature.getInstance("SHA256withECDSA").getProvider());
        System.out.println(
                "provider Ed25519 " + Signature.getInstance("Ed25519").getProvider());
        System.out.println("provider SHA-256 "
                + java.security.MessageDigest.getInstance("SHA-256").getProvider());
        System.out.println("bouncycastle " + (java.security.Security.getProvider("BC") != null));
    }
}
