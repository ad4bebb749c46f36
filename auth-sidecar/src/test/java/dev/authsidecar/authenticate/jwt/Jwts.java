package dev.authsidecar.authenticate.jwt;

import static org.assertj.core.api.Assertions.assertThat;

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
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Keys, token minting and outcome helpers for the JWT tests. Signatures come from Nimbus, never hand-rolled. */
final class Jwts {
    static final ObjectMapper JSON = new ObjectMapper();

    private Jwts() {
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid) {
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
    static Ed25519 ed25519(String kid) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            return new Ed25519(pair, new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    record Ed25519(KeyPair pair, OctetKeyPair jwk) {
        /** Signs exactly these header and payload texts with the JDK's Ed25519. */
        String sign(String headerJson, String payloadJson) {
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
        String token(Map<String, Object> claims) {
            return sign(json(header(JWSAlgorithm.EdDSA, jwk.getKeyID())), json(claims));
        }
    }

    /** Claims every provider under test accepts: right issuer and audience, valid for ten minutes. */
    static Map<String, Object> claims(String issuer) {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", issuer);
        c.put("sub", "alice");
        c.put("aud", "api");
        c.put("iat", now);
        c.put("exp", now + 600);
        c.put("scope", "read write");
        return c;
    }

    static Map<String, Object> header(JWSAlgorithm alg, String kid) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg.getName());
        if (kid != null) {
            h.put("kid", kid);
        }
        return h;
    }

    /** A token with the key's own kid, signed with its usual algorithm. */
    static String token(JWK key, Map<String, Object> claims) {
        JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
        return sign(alg, key, json(header(alg, key.getKeyID())), json(claims));
    }

    static String sign(JWSAlgorithm alg, JWK key, Map<String, Object> header, Map<String, Object> claims) {
        return sign(alg, key, json(header), json(claims));
    }

    /**
     * Signs exactly these header and payload texts, so a test can put anything in them (duplicate members,
     * odd types) and still carry a valid signature.
     */
    static String sign(JWSAlgorithm alg, JWK key, String headerJson, String payloadJson) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
            return input + "." + signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hmac(byte[] secret, String headerJson, String payloadJson) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        try {
            return input + "." + new MACSigner(secret).sign(new JWSHeader(JWSAlgorithm.HS256),
                    input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(String text) {
        return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ScheduledExecutorService executor() {
        return Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "jwt-keys-test");
            t.setDaemon(true);
            return t;
        });
    }

    /** The final outcome: a Pending one is waited for (bounded), the others are returned as they are. */
    static AuthOutcome resolve(AuthOutcome outcome) {
        if (outcome instanceof AuthOutcome.Pending p) {
            try {
                AuthOutcome done = p.result().get(10, TimeUnit.SECONDS);
                assertThat(done).isNotInstanceOf(AuthOutcome.Pending.class);
                return done;
            } catch (Exception e) {
                throw new AssertionError("pending outcome did not complete normally", e);
            }
        }
        return outcome;
    }

    /** A refused credential, or for {@link Failure#AUTH_BACKEND_UNAVAILABLE} keys that could not be obtained. */
    static void assertRejected(AuthOutcome outcome, Failure failure) {
        assertThat(outcome).isInstanceOf(failure == Failure.AUTH_BACKEND_UNAVAILABLE
                ? AuthOutcome.Unavailable.class : AuthOutcome.Rejected.class);
        assertThat(((Refusal) outcome).failure()).isEqualTo(failure);
    }

    /** Waits until the condition holds, failing after the timeout. */
    static void eventually(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
