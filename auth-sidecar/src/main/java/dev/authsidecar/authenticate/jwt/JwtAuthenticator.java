package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.config.JwtProviderConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates JWTs from the configured providers. The token's (not yet trusted) {@code iss} picks the
 * provider, so a token from an issuer nobody configured is refused without any network call; that provider's
 * {@link TokenVerifier} does the rest.
 *
 * <p>Nothing here blocks or throws: a token that needs keys not loaded yet gets a {@link AuthOutcome.Pending}
 * completed by a fetch on the executor handed in.
 */
public final class JwtAuthenticator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);
    private final Map<String, TokenVerifier> byIssuer = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<TokenVerifier> verifiers = new ArrayList<>();
    private final int maxTokenBytes;
    private final long createdNanos = System.nanoTime();

    /**
     * Reads every {@code jwksFile} and {@code hmacSecretFile} now.
     *
     * @param executor runs key fetches, their HTTP client and refresh timers; a small daemon pool owned by the
     *     caller (close this before shutting it down)
     * @throws UnusableProvider when a key file, secret file or CA file cannot be used; it names the provider, and
     *     the clients of the providers built before it are closed again
     */
    public JwtAuthenticator(List<JwtProviderConfig> providers, int maxTokenBytes, ScheduledExecutorService executor) {
        this.maxTokenBytes = maxTokenBytes;
        for (JwtProviderConfig c : providers) {
            KeySetCache keys = null;
            try {
                if (needsKeySet(c)) {
                    keys = c.jwksFile() != null ? KeySetCache.file(c) : KeySetCache.remote(c, executor);
                }
                TokenVerifier verifier = new TokenVerifier(c, keys);
                byIssuer.put(c.issuer(), verifier);
                names.add(c.name());
                verifiers.add(verifier);
            } catch (RuntimeException e) {
                if (keys != null) {
                    keys.close();
                }
                close();
                throw e;
            }
        }
    }

    /** A provider configured only for HMAC has its secret and nothing to fetch. */
    private static boolean needsKeySet(JwtProviderConfig c) {
        return c.hmacSecretFile() == null
                || !HeaderPolicy.HMAC.containsAll(
                        c.algorithms().stream().map(JWSAlgorithm::parse).toList());
    }

    /** Starts the first key fetch of every provider and, after it, the background refreshes. */
    public void start() {
        for (TokenVerifier v : verifiers) {
            if (v.keys != null) {
                v.keys.start();
            }
        }
    }

    /**
     * Whether a bearer token should be handed to {@link #authenticate}: its first segment starts like a
     * base64url-encoded JSON object ({@code eyJ} is {@code {"}) and there is a dot after it. This takes every
     * JWS and JWE, well-formed or not, so malformed and encrypted ones are refused here rather than sent to
     * introspection; API keys ({@code sk_…}) and opaque tokens, some of which contain dots, go elsewhere.
     */
    public static boolean looksLikeJwt(String token) {
        return token != null && looksLikeJwt(token, 0);
    }

    /** The same test for a token that starts at {@code from} in a header value, without copying it out. */
    public static boolean looksLikeJwt(String value, int from) {
        return value.startsWith("eyJ", from) && value.indexOf('.', from + 3) > 0;
    }

    /** @return an {@code Identity}, a {@code Rejected}, or a {@code Pending} while keys are fetched */
    public AuthOutcome authenticate(String token) {
        try {
            if (token == null || token.length() > maxTokenBytes) {
                throw Reject.TOO_LARGE;
            }
            CompactJwt jwt = CompactJwt.parse(token);
            TokenVerifier verifier = jwt.claims.get("iss") instanceof String iss ? byIssuer.get(iss) : null;
            if (verifier == null) {
                throw Reject.UNKNOWN_ISSUER;
            }
            return verifier.verify(jwt);
        } catch (Reject r) {
            return r.outcome;
        } catch (RuntimeException e) {
            log.warn("JWT verification failed unexpectedly", e);
            return Reject.UNVERIFIABLE.outcome;
        }
    }

    public List<KeySetStatus> status() {
        List<KeySetStatus> out = new ArrayList<>(verifiers.size());
        for (int i = 0; i < verifiers.size(); i++) {
            KeySetCache keys = verifiers.get(i).keys;
            out.add(
                    keys != null
                            ? keys.status()
                            : new KeySetStatus(
                                    names.get(i),
                                    true,
                                    Duration.ofNanos(System.nanoTime() - createdNanos),
                                    null,
                                    0,
                                    0,
                                    0));
        }
        return out;
    }

    @Override
    public void close() {
        for (TokenVerifier v : verifiers) {
            if (v.keys != null) {
                v.keys.close();
            }
        }
    }
}
