package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a provider accepts in a token's JOSE header. Deliberately a deny-by-default reading: the header decides
 * which key and algorithm verify the token, so anything that would let the token choose its own key, its own
 * processing rules or a second layer of content is refused before a key is looked at.
 */
final class HeaderPolicy {
    static final Set<JWSAlgorithm> HMAC = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

    /** Headers that would make the token carry or point at its own key. They are never fetched. */
    private static final List<String> KEY_CARRYING = List.of("jwk", "jku", "x5u", "x5c");

    private static final Set<String> JWT_TYPES = Set.of("jwt", "at+jwt", "application/jwt", "application/at+jwt");

    private final Map<String, JWSAlgorithm> allowed = new HashMap<>();

    /** @param hmacAllowed a secret is configured; without one HMAC algorithms are dropped whatever the list says */
    HeaderPolicy(List<String> algorithms, boolean hmacAllowed) {
        for (String name : algorithms) {
            JWSAlgorithm alg = JWSAlgorithm.parse(name);
            if (hmacAllowed || !HMAC.contains(alg)) {
                allowed.put(alg.getName(), alg);
            }
        }
    }

    /** @return the token's algorithm, one this provider accepts */
    JWSAlgorithm check(Map<String, Object> header) throws Reject {
        if (!(header.get("alg") instanceof String name)) {
            throw Reject.HEADER_TYPES;
        }
        if (name.equalsIgnoreCase("none")) {
            throw Reject.ALG_NONE;
        }
        JWSAlgorithm alg = allowed.get(name);
        if (alg == null) {
            throw Reject.ALG_NOT_ACCEPTED;
        }
        for (String key : KEY_CARRYING) {
            if (header.containsKey(key)) {
                throw Reject.EMBEDDED_KEY;
            }
        }
        // No extension is understood, so any crit (even an empty one, which RFC 7515 forbids) is refused.
        if (header.containsKey("crit")) {
            throw Reject.CRIT;
        }
        if (header.containsKey("cty") || header.containsKey("enc") || header.containsKey("zip")) {
            throw Reject.NESTED;
        }
        if (header.containsKey("typ")) {
            if (!(header.get("typ") instanceof String typ)) {
                throw Reject.HEADER_TYPES;
            }
            if (!JWT_TYPES.contains(typ.toLowerCase(Locale.ROOT))) {
                throw Reject.TYP;
            }
        }
        if (header.containsKey("kid") && !(header.get("kid") instanceof String)) {
            throw Reject.HEADER_TYPES;
        }
        return alg;
    }
}
