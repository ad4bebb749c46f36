package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider's signing keys as loaded at one moment, immutable. Each key gets its verifier once, here (Nimbus's,
 * or {@link JdkEd25519Verifier} for Ed25519), so verifying a token does not build key objects. Keys that must not
 * verify tokens are left out: encryption keys, symmetric keys (a shared secret published in a key set is no
 * secret), RSA keys under 2048 bits, and octet key pairs on any curve but Ed25519 (Ed448 is not supported).
 */
final class KeySet {
    private static final Logger log = LoggerFactory.getLogger(KeySet.class);
    private static final int MIN_RSA_BITS = 2048;

    /** One usable key: the algorithms its type and curve can verify, narrowed by its own {@code alg}. */
    record Key(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {
        boolean fits(JWSAlgorithm alg) {
            return algorithms.contains(alg);
        }
    }

    final long loadedAtNanos;
    private final List<Key> keys;
    private final Map<String, List<Key>> byKid;

    private KeySet(List<Key> keys, long loadedAtNanos) {
        this.keys = List.copyOf(keys);
        this.loadedAtNanos = loadedAtNanos;
        Map<String, List<Key>> index = new HashMap<>();
        for (Key k : keys) {
            if (k.kid() != null) {
                index.computeIfAbsent(k.kid(), x -> new ArrayList<>(1)).add(k);
            }
        }
        index.replaceAll((kid, list) -> List.copyOf(list));
        this.byKid = Map.copyOf(index);
    }

    /**
     * @param provider for log lines
     * @throws ParseException when the text is not a JWK set, or holds no key that can verify a token
     */
    static KeySet parse(String json, String provider, long nowNanos) throws ParseException {
        Map<String, Object> root = JSONObjectUtils.parse(json);
        List<Object> entries = JSONObjectUtils.getJSONArray(root, "keys");
        if (entries == null) {
            throw new ParseException("no \"keys\" array", 0);
        }
        List<Key> keys = new ArrayList<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?>)) {
                throw new ParseException("a key is not a JSON object", 0);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) entry;
            try {
                Key key = usable(JWK.parse(map));
                if (key != null) {
                    keys.add(key);
                }
            } catch (ParseException | JOSEException e) {
                // One malformed key should not take its well-formed neighbours down with it.
                log.debug("JWT provider '{}': skipping a key that cannot be read: {}", provider, e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new ParseException("the key set has no key that can verify signatures (" + entries.size()
                    + " entries)", 0);
        }
        return new KeySet(keys, nowNanos);
    }

    private static Key usable(JWK jwk) throws JOSEException {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            return null;
        }
        Set<KeyOperation> ops = jwk.getKeyOperations();
        if (ops != null && !ops.contains(KeyOperation.VERIFY)) {
            return null;
        }
        Set<JWSAlgorithm> algorithms;
        JWSVerifier verifier;
        if (jwk instanceof RSAKey rsa) {
            if (rsa.size() < MIN_RSA_BITS) {
                return null;
            }
            algorithms = RSASSAVerifier.SUPPORTED_ALGORITHMS;
            verifier = new RSASSAVerifier(rsa.toRSAPublicKey());
        } else if (jwk instanceof ECKey ec) {
            JWSAlgorithm alg = forCurve(ec.getCurve());
            if (alg == null) {
                return null;
            }
            algorithms = Set.of(alg);
            verifier = new ECDSAVerifier(ec.toECPublicKey());
        } else if (jwk instanceof OctetKeyPair okp) {
            if (!Curve.Ed25519.equals(okp.getCurve())) {
                log.debug("skipping OKP key {} on {}: only Ed25519 is supported", jwk.getKeyID(), okp.getCurve());
                return null;
            }
            algorithms = JdkEd25519Verifier.ALGORITHMS;
            verifier = new JdkEd25519Verifier(okp);
        } else {
            return null;
        }
        if (jwk.getAlgorithm() != null) {
            JWSAlgorithm own = JWSAlgorithm.parse(jwk.getAlgorithm().getName());
            algorithms = algorithms.contains(own) ? Set.of(own) : Set.of();
        }
        return algorithms.isEmpty() ? null : new Key(jwk.getKeyID(), algorithms, verifier);
    }

    private static JWSAlgorithm forCurve(Curve curve) {
        if (Curve.P_256.equals(curve)) {
            return JWSAlgorithm.ES256;
        }
        if (Curve.P_384.equals(curve)) {
            return JWSAlgorithm.ES384;
        }
        if (Curve.P_521.equals(curve)) {
            return JWSAlgorithm.ES512;
        }
        return null;
    }

    /** Keys carrying this {@code kid}; empty when the set does not know it. */
    List<Key> withKid(String kid) {
        return byKid.getOrDefault(kid, List.of());
    }

    /** Every key, for tokens that name none. */
    List<Key> all() {
        return keys;
    }

    int size() {
        return keys.size();
    }
}
