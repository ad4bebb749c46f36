package dev.authsidecar.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place tests make signing keys, key sets and JWTs. Signatures come from Nimbus (Ed25519 from the JDK),
 * never hand-rolled; header and payload can be given as exact text, so a test can sign anything it wants to throw
 * at the verifier.
 */
public class Tokens {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Only for {@code Jwts}, which extends this so the JWT tests keep their short names. */
    protected Tokens() {}

    public static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An Ed25519 key pair made by the JDK (Nimbus would need Google Tink to make one) and its public JWK. The
     * JWK's {@code x} is the raw key: the last 32 bytes of the JDK's X.509 encoding.
     */
    public static Ed25519 ed25519(String kid) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            return new Ed25519(
                    pair,
                    new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                            .keyID(kid)
                            .build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Ed25519(KeyPair pair, OctetKeyPair jwk) {
        /** Signs exactly these header and payload texts with the JDK's Ed25519. */
        public String sign(String headerJson, String payloadJson) {
            String input = b64(headerJson) + "." + b64(payloadJson);
            try {
                Signature signer = Signature.getInstance("Ed25519");
                signer.initSign(pair.getPrivate());
                signer.update(input.getBytes(StandardCharsets.US_ASCII));
                return input + "." + Base64URL.encode(signer.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A token with this key's kid and {@code alg: EdDSA}. */
        public String token(Map<String, Object> claims) {
            return sign(json(header(JWSAlgorithm.EdDSA, jwk.getKeyID())), json(claims));
        }
    }

    /** The public parts of these keys as a JWK Set document, as an identity provider's {@code jwks_uri} serves it. */
    public static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toString(true);
    }

    /** {@link #jwks} written to this file, for {@code jwksFile}. */
    public static Path writeJwks(Path file, JWK... keys) {
        try {
            return Files.writeString(file, jwks(keys));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #jwks} written to a new temporary file (deleted when the JVM exits), for {@code jwksFile}. */
    public static Path jwksFile(JWK... keys) {
        try {
            Path file = Files.createTempFile("jwks", ".json");
            file.toFile().deleteOnExit();
            return writeJwks(file, keys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Claims every provider under test accepts: right issuer and audience, valid for ten minutes. */
    public static Map<String, Object> claims(String issuer) {
        Map<String, Object> c = claims(issuer, "alice", "api", Instant.now().plusSeconds(600));
        c.put("scope", "read write");
        return c;
    }

    /** {@code iss}, {@code sub}, {@code aud}, {@code iat} (now) and {@code exp}; a mutable map to add to. */
    public static Map<String, Object> claims(String issuer, String subject, String audience, Instant expires) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", issuer);
        c.put("sub", subject);
        c.put("aud", audience);
        c.put("iat", Instant.now().getEpochSecond());
        c.put("exp", expires.getEpochSecond());
        return c;
    }

    public static Map<String, Object> header(JWSAlgorithm alg, String kid) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg.getName());
        if (kid != null) {
            h.put("kid", kid);
        }
        return h;
    }

    /** A token with the key's own kid, signed with its usual algorithm (RS256, or ES256 for an EC key). */
    public static String token(JWK key, Map<String, Object> claims) {
        JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
        return sign(alg, key, json(header(alg, key.getKeyID())), json(claims));
    }

    public static String sign(JWSAlgorithm alg, JWK key, Map<String, Object> header, Map<String, Object> claims) {
        return sign(alg, key, json(header), json(claims));
    }

    /**
     * Signs exactly these header and payload texts, so a test can put anything in them (duplicate members,
     * odd types) and still carry a valid signature.
     */
    public static String sign(JWSAlgorithm alg, JWK key, String headerJson, String payloadJson) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
            return input + "." + signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hmac(byte[] secret, String headerJson, String payloadJson) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            return input + "."
                    + new MACSigner(secret)
                            .sign(new JWSHeader(JWSAlgorithm.HS256), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(String text) {
        return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
