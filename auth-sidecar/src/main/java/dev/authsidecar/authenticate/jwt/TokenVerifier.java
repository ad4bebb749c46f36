package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.BoundedFiles;
import dev.authsidecar.config.JwtProviderConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies tokens of one provider: header, signature, then claims. Claims are judged only once the signature
 * holds, so a forged or unsigned token gets the same answer whatever it claims: it cannot probe which audiences,
 * lifetimes or required claims the configuration accepts. The price is a signature check (and, for an unknown
 * {@code kid}, the rate-limited refetch) for tokens that are signed but expired or misaddressed. Nimbus is handed
 * a header holding only the algorithm: the real header has already been vetted by {@link HeaderPolicy}, and the
 * signature covers the bytes as sent.
 */
final class TokenVerifier {
    private static final Logger log = LoggerFactory.getLogger(TokenVerifier.class);
    private static final Map<JWSAlgorithm, JWSHeader> BARE_HEADERS = bareHeaders();

    private enum Match {
        VERIFIED,
        BAD_SIGNATURE,
        KEY_MISMATCH,
        NO_KEY
    }

    private final HeaderPolicy headers;
    private final ClaimsCheck claims;
    private final MACVerifier hmac;
    /** {@code null} when the provider accepts only HMAC and needs no key set. */
    final KeySetCache keys;

    TokenVerifier(JwtProviderConfig c, KeySetCache keys) {
        this.hmac = c.hmacSecretFile() == null ? null : hmacVerifier(c);
        this.headers = new HeaderPolicy(c.algorithms(), hmac != null);
        this.claims = new ClaimsCheck(c);
        this.keys = keys;
    }

    AuthOutcome verify(CompactJwt token) throws Reject {
        JWSAlgorithm alg = headers.check(token.header);
        if (HeaderPolicy.HMAC.contains(alg)) {
            // HeaderPolicy lets HMAC through only when a secret is configured.
            if (!verifies(hmac, alg, token)) {
                throw Reject.BAD_SIGNATURE;
            }
            return claims(token);
        }
        if (keys == null) {
            throw Reject.ALG_NOT_ACCEPTED;
        }
        KeySet seen = keys.current();
        if (keys.usable(seen, System.nanoTime())) {
            Match match = match(seen, alg, token);
            if (match == Match.VERIFIED) {
                return claims(token);
            }
            if (match != Match.NO_KEY) {
                throw match == Match.BAD_SIGNATURE ? Reject.BAD_SIGNATURE : Reject.KEY_MISMATCH;
            }
        }
        CompletableFuture<KeySet> newer = keys.refetch(seen);
        if (newer == null) {
            throw keys.usable(seen, System.nanoTime()) ? Reject.UNKNOWN_KEY : Reject.KEYS_UNAVAILABLE;
        }
        return new AuthOutcome.Pending(newer.handle((fresh, error) -> afterFetch(fresh, alg, token)));
    }

    /** Claims, judged only after the signature verified; the time is read now, not when the request arrived. */
    private Identity claims(CompactJwt token) throws Reject {
        return claims.check(token, System.currentTimeMillis() / 1000);
    }

    /** The one retry after a refetch: what is still unknown now is refused. Never throws. */
    private AuthOutcome afterFetch(KeySet fresh, JWSAlgorithm alg, CompactJwt token) {
        try {
            if (!keys.usable(fresh, System.nanoTime())) {
                return Reject.KEYS_UNAVAILABLE.outcome;
            }
            return switch (match(fresh, alg, token)) {
                case VERIFIED -> claims(token);
                case BAD_SIGNATURE -> Reject.BAD_SIGNATURE.outcome;
                case KEY_MISMATCH -> Reject.KEY_MISMATCH.outcome;
                case NO_KEY -> Reject.UNKNOWN_KEY.outcome;
            };
        } catch (Reject r) {
            return r.outcome;
        } catch (RuntimeException e) {
            log.warn("JWT verification failed unexpectedly", e);
            return Reject.UNVERIFIABLE.outcome;
        }
    }

    /**
     * A token naming a {@code kid} is tried only against keys with that id. One naming none is tried against
     * every fitting key; failing them all counts as an unknown key, since it may be signed by a new one.
     */
    private static Match match(KeySet keySet, JWSAlgorithm alg, CompactJwt token) {
        Object kid = token.header.get("kid");
        List<KeySet.Key> candidates = kid != null ? keySet.withKid((String) kid) : keySet.all();
        if (candidates.isEmpty()) {
            return Match.NO_KEY;
        }
        boolean anyFits = false;
        for (KeySet.Key key : candidates) {
            if (key.fits(alg)) {
                anyFits = true;
                if (verifies(key.verifier(), alg, token)) {
                    return Match.VERIFIED;
                }
            }
        }
        if (kid == null) {
            return Match.NO_KEY;
        }
        return anyFits ? Match.BAD_SIGNATURE : Match.KEY_MISMATCH;
    }

    private static boolean verifies(JWSVerifier verifier, JWSAlgorithm alg, CompactJwt token) {
        try {
            return verifier.verify(BARE_HEADERS.get(alg), token.signingInput(), token.signature());
        } catch (JOSEException e) {
            // Nimbus reports malformed signatures (wrong length, r or s out of range) this way.
            return false;
        }
    }

    private static Map<JWSAlgorithm, JWSHeader> bareHeaders() {
        Map<JWSAlgorithm, JWSHeader> headers = new HashMap<>();
        for (String name : List.of(
                "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
                "HS256", "HS384", "HS512")) {
            JWSAlgorithm alg = JWSAlgorithm.parse(name);
            headers.put(alg, new JWSHeader(alg));
        }
        return Map.copyOf(headers);
    }

    private static MACVerifier hmacVerifier(JwtProviderConfig c) {
        byte[] secret;
        try {
            secret = BoundedFiles.readAllBytes(c.hmacSecretFile());
        } catch (IOException e) {
            throw new UnusableProvider(
                    c.name(),
                    "cannot read hmacSecretFile " + c.hmacSecretFile() + ": "
                            + e.getClass().getSimpleName(),
                    e);
        }
        int end = secret.length;
        // Editors and `echo` end files with a newline that is not meant to be part of the secret.
        while (end > 0 && (secret[end - 1] == '\n' || secret[end - 1] == '\r')) {
            end--;
        }
        byte[] trimmed = Arrays.copyOf(secret, end);
        Arrays.fill(secret, (byte) 0);
        int needed = 32;
        for (String alg : c.algorithms()) {
            needed = Math.max(
                    needed,
                    switch (alg) {
                        case "HS384" -> 48;
                        case "HS512" -> 64;
                        default -> 32;
                    });
        }
        if (trimmed.length < needed) {
            throw new UnusableProvider(
                    c.name(),
                    "hmacSecretFile " + c.hmacSecretFile() + " holds " + trimmed.length
                            + " bytes; the configured HMAC algorithms need at least " + needed,
                    null);
        }
        try {
            return new MACVerifier(trimmed);
        } catch (JOSEException e) {
            throw new UnusableProvider(c.name(), e.getMessage(), e);
        }
    }
}
