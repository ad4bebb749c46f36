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
 * secret), and octet key pairs on any curve but Ed25519 (Ed448 is not supported).
 *
 * <p>RSA keys under 2048 bits are weak (NIST SP 800-131A disallowed them for signatures in 2013): a key file the
 * operator wrote with one is refused as a whole, a fetched set has that key skipped and reported in
 * {@link #weakKeys}, so one stale key at the identity provider does not take its good neighbours down.
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

    /** Where a key set comes from decides what a weak key does to it. */
    enum Source {
        /** {@code jwksFile}: written by the operator, so a weak key is a configuration error. */
        FILE,
        /** Fetched from the identity provider: a weak key is skipped and reported. */
        FETCHED
    }

    final long loadedAtNanos;
    private final List<Key> keys;
    private final Map<String, List<Key>> byKid;
    /** Descriptions of the RSA keys under 2048 bits that were skipped, e.g. {@code key 'old-1' (RSA 1024 bits)}. */
    final List<String> weakKeys;

    private KeySet(List<Key> keys, List<String> weakKeys, long loadedAtNanos) {
        this.keys = List.copyOf(keys);
        this.weakKeys = List.copyOf(weakKeys);
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
     * @throws ParseException when the text is not a JWK set, holds no key that can verify a token, or (from a
     *     {@link Source#FILE file}) holds a weak key; the message names the key
     */
    static KeySet parse(String json, String provider, Source source, long nowNanos) throws ParseException {
        Map<String, Object> root = JSONObjectUtils.parse(json);
        List<Object> entries = JSONObjectUtils.getJSONArray(root, "keys");
        if (entries == null) {
            throw new ParseException("no \"keys\" array", 0);
        }
        List<Key> keys = new ArrayList<>();
        List<String> weak = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Object entry = entries.get(i);
            if (!(entry instanceof Map<?, ?>)) {
                throw new ParseException("a key is not a JSON object", 0);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) entry;
            JWK jwk;
            try {
                jwk = JWK.parse(map);
            } catch (ParseException e) {
                // One malformed key should not take its well-formed neighbours down with it.
                log.debug("JWT provider '{}': skipping a key that cannot be read: {}", provider, e.getMessage());
                continue;
            }
            if (jwk instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS && isForSigning(jwk)) {
                String which = describe(jwk, i) + " (RSA " + rsa.size() + " bits)";
                if (source == Source.FILE) {
                    throw new ParseException(
                            which + " is weaker than the " + MIN_RSA_BITS
                                    + " bits required; remove it or replace it with a stronger key",
                            i);
                }
                weak.add(which);
                continue;
            }
            try {
                Key key = usable(jwk);
                if (key != null) {
                    keys.add(key);
                }
            } catch (JOSEException e) {
                log.debug("JWT provider '{}': skipping a key that cannot be used: {}", provider, e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new ParseException(
                    "the key set has no key that can verify signatures (" + entries.size()
                            + " entries"
                            + (weak.isEmpty()
                                    ? ""
                                    : "; skipped as weaker than " + MIN_RSA_BITS + " bits: " + String.join(", ", weak))
                            + ")",
                    0);
        }
        return new KeySet(keys, weak, nowNanos);
    }

    /**
     * Names a key for messages: its {@code kid}, else its place in the set. Never key material. A kid comes from
     * a file or a server, so it is cut short and anything but printable ASCII shown as {@code ?}: a message must
     * stay one line.
     */
    private static String describe(JWK jwk, int index) {
        String kid = jwk.getKeyID();
        if (kid == null) {
            return "key #" + (index + 1) + " (no kid)";
        }
        StringBuilder sb = new StringBuilder("key '");
        kid.chars().limit(64).forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return sb.append(kid.length() > 64 ? "…'" : "'").toString();
    }

    /** An encryption-only key is never used to verify, so its size is not ours to judge. */
    private static boolean isForSigning(JWK jwk) {
        return (jwk.getKeyUse() == null || KeyUse.SIGNATURE.equals(jwk.getKeyUse()))
                && (jwk.getKeyOperations() == null || jwk.getKeyOperations().contains(KeyOperation.VERIFY));
    }

    private static Key usable(JWK jwk) throws JOSEException {
        if (!isForSigning(jwk)) {
            return null;
        }
        Set<JWSAlgorithm> algorithms;
        JWSVerifier verifier;
        if (jwk instanceof RSAKey rsa) {
            // Weak RSA keys were set aside by parse; this is a second fence for any other caller.
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
