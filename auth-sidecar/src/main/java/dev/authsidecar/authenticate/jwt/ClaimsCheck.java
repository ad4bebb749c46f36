package dev.authsidecar.authenticate.jwt;

import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.JwtProviderConfig;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a token's claims against one provider and turns them into the {@link Identity} the application sees.
 * Registered claims of the wrong JSON type are refused rather than coerced: {@code "exp": "9999999999"} is a
 * token the issuer did not mean to write, and guessing would make two readers disagree about it.
 */
final class ClaimsCheck {
    static final String METHOD = "jwt";

    private final String issuer;
    private final Set<String> audiences;
    private final List<String> requiredClaims;
    private final long skewSeconds;

    ClaimsCheck(JwtProviderConfig config) {
        this.issuer = config.issuer();
        this.audiences = Set.copyOf(config.audiences());
        this.requiredClaims = config.requiredClaims();
        this.skewSeconds = config.clockSkew().toSeconds();
    }

    Identity check(CompactJwt token, long nowEpochSecond) throws Reject {
        Map<String, Object> claims = token.claims;
        if (!issuer.equals(claims.get("iss"))) {
            throw Reject.UNKNOWN_ISSUER;
        }
        if (!claims.containsKey("exp")) {
            throw Reject.NO_EXP;
        }
        long exp = numericDate(claims.get("exp"));
        if (nowEpochSecond >= saturatedAdd(exp, skewSeconds)) {
            throw Reject.EXPIRED;
        }
        if (claims.containsKey("nbf") && nowEpochSecond + skewSeconds < numericDate(claims.get("nbf"))) {
            throw Reject.NOT_YET_VALID;
        }
        if (claims.containsKey("iat") && nowEpochSecond + skewSeconds < numericDate(claims.get("iat"))) {
            throw Reject.ISSUED_IN_FUTURE;
        }
        checkAudience(claims.get("aud"));
        Object sub = claims.get("sub");
        if (sub != null && !(sub instanceof String)) {
            throw Reject.CLAIM_TYPES;
        }
        if (sub == null || ((String) sub).isEmpty()) {
            throw Reject.NO_SUBJECT;
        }
        for (String name : requiredClaims) {
            if (claims.get(name) == null) {
                throw Reject.MISSING_CLAIM;
            }
        }
        return new Identity(
                (String) sub,
                METHOD,
                issuer,
                scopes(claims),
                client(claims),
                Collections.unmodifiableMap(claims),
                exp,
                token.payloadSegment());
    }

    /** Seconds since the epoch; fractions are allowed by RFC 7519 and dropped. */
    private static long numericDate(Object value) throws Reject {
        if (!(value instanceof Number n)) {
            throw Reject.CLAIM_TYPES;
        }
        // Through double so huge values saturate instead of wrapping around to the past.
        return (long) Math.floor(n.doubleValue());
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private void checkAudience(Object aud) throws Reject {
        if (aud instanceof String s) {
            if (audiences.contains(s)) {
                return;
            }
            throw Reject.AUDIENCE;
        }
        if (!(aud instanceof List<?> list)) {
            throw aud == null ? Reject.AUDIENCE : Reject.CLAIM_TYPES;
        }
        boolean found = false;
        for (Object a : list) {
            if (!(a instanceof String s)) {
                throw Reject.CLAIM_TYPES;
            }
            found |= audiences.contains(s);
        }
        if (!found) {
            throw Reject.AUDIENCE;
        }
    }

    /** {@code scope} (RFC 8693/9068, space separated) and {@code scp} (Okta: array, Entra ID: string), merged. */
    private static List<String> scopes(Map<String, Object> claims) throws Reject {
        Object scope = claims.get("scope");
        Object scp = claims.get("scp");
        if (scope == null && scp == null) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        addScopes(out, scope);
        addScopes(out, scp);
        return List.copyOf(out);
    }

    private static void addScopes(Set<String> out, Object value) throws Reject {
        if (value == null) {
            return;
        }
        if (value instanceof String s) {
            for (String part : s.split(" ")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
            return;
        }
        if (!(value instanceof List<?> list)) {
            throw Reject.CLAIM_TYPES;
        }
        for (Object item : list) {
            if (!(item instanceof String s)) {
                throw Reject.CLAIM_TYPES;
            }
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
    }

    private static String client(Map<String, Object> claims) throws Reject {
        Object client = claims.get("azp") != null ? claims.get("azp") : claims.get("client_id");
        if (client != null && !(client instanceof String)) {
            throw Reject.CLAIM_TYPES;
        }
        return (String) client;
    }
}
