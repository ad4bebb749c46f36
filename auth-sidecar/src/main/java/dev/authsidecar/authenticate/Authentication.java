package dev.authsidecar.authenticate;

import dev.authsidecar.authenticate.introspection.Introspector;
import dev.authsidecar.authenticate.jwt.JwtAuthenticator;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.config.MtlsConfig;
import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The authenticate stage: turns the request's bearer credential into an {@link AuthOutcome}. JWT-shaped
 * tokens go to the JWT providers (behind the verified-credential cache); anything else is an API key or, when
 * configured, an opaque token for introspection. Never blocks: what needs the network comes back
 * {@link AuthOutcome.Pending}.
 */
public final class Authentication implements AutoCloseable {
    private static final AuthOutcome.Rejected UNKNOWN =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not valid");

    private final ApiKeyAuthenticator apiKeys;
    private final JwtAuthenticator jwt;
    private final Introspector introspector;
    private final CredentialCache cache;
    private final int maxTokenBytes;
    private final MtlsConfig mtls;
    /** Whether cached identities keep the token's payload: only {@code auth.payloadHeader} needs it. */
    private final boolean keepPayload;

    /**
     * Reads every file the stage needs now (key sets, secrets, CA bundles) and opens its identity-provider clients;
     * if one cannot be used, the clients opened so far are closed before the exception leaves.
     *
     * @param executor runs key-set fetches and introspection calls, off the event loops
     * @throws dev.authsidecar.authenticate.jwt.UnusableProvider when a JWT provider's file cannot be used
     * @throws IOException when the introspection client secret or CA bundle cannot be used
     */
    public Authentication(AuthConfig config, ScheduledExecutorService executor) throws IOException {
        this.apiKeys = new ApiKeyAuthenticator(config.apiKeys());
        this.jwt = config.jwtProviders().isEmpty()
                ? null
                : new JwtAuthenticator(config.jwtProviders(), config.maxTokenBytes(), executor);
        try {
            this.introspector =
                    config.introspection() == null ? null : new Introspector(config.introspection(), executor);
        } catch (IOException | RuntimeException e) {
            // A stage that is never built is never closed: the JWT providers' clients are closed here instead.
            if (jwt != null) {
                jwt.close();
            }
            throw e;
        }
        this.cache = new CredentialCache(Math.max(1, config.cacheMaxEntries()));
        this.maxTokenBytes = config.maxTokenBytes();
        this.mtls = config.mtls();
        this.keepPayload = config.payloadHeader() != null;
    }

    /** Starts fetching key sets, so the first requests do not wait for them. */
    public void start() {
        if (jwt != null) {
            jwt.start();
        }
    }

    public AuthOutcome authenticate(HttpHeaders headers) {
        return authenticate(headers, new CredentialMemo());
    }

    /**
     * The bearer credential and the connection's client certificate together (see {@link CertificateBinding}).
     *
     * @param peer the client certificate the connection presented and the client CA verified, or {@code null}
     */
    public AuthOutcome authenticate(HttpHeaders headers, CredentialMemo memo, ClientCertificate peer) {
        return CertificateBinding.apply(authenticate(headers, memo), peer, mtls);
    }

    /** @param memo the connection's last verified credential, consulted first and updated on success */
    public AuthOutcome authenticate(HttpHeaders headers, CredentialMemo memo) {
        String authorization;
        int from;
        try {
            authorization = BearerCredential.header(headers);
            if (authorization == null) {
                return AuthOutcome.ANONYMOUS;
            }
            Identity remembered = memo.get(this, authorization);
            if (remembered != null) {
                return remembered;
            }
            from = BearerCredential.tokenStart(authorization, maxTokenBytes);
        } catch (BearerCredential.Refused e) {
            return e.outcome;
        }
        if (from < 0) {
            return AuthOutcome.ANONYMOUS;
        }
        AuthOutcome outcome = verify(authorization, from);
        // Not an introspection answer: it is asked again after cacheTtl so that a revoked token stops working,
        // and the memo would keep it until the token's exp.
        if (outcome instanceof Identity identity && !Introspector.METHOD.equals(identity.method())) {
            memo.put(this, authorization, identity);
        }
        return outcome;
    }

    /** @param from where the token starts in the header value; it runs to the end */
    private AuthOutcome verify(String authorization, int from) {
        if (jwt != null && JwtAuthenticator.looksLikeJwt(authorization, from)) {
            return verifyJwt(authorization, from);
        }
        try {
            BearerCredential.checkSyntax(authorization, from);
        } catch (BearerCredential.Refused e) {
            return e.outcome;
        }
        Identity identity = apiKeys.authenticate(authorization, from);
        if (identity != null) {
            return identity;
        }
        return introspector != null ? introspector.authenticate(authorization.substring(from)) : UNKNOWN;
    }

    private AuthOutcome verifyJwt(String authorization, int from) {
        String key = CredentialCache.keyOf(authorization, from);
        Identity cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        try {
            BearerCredential.checkSyntax(authorization, from);
        } catch (BearerCredential.Refused e) {
            return e.outcome;
        }
        AuthOutcome outcome = jwt.authenticate(authorization.substring(from));
        if (outcome instanceof Identity identity) {
            // The compact copy is also what this request and the connection's memo get: one copy per token.
            Identity kept = identity.compact(keepPayload);
            cache.put(key, kept);
            return kept;
        } else if (outcome instanceof AuthOutcome.Pending pending) {
            pending.result().thenAccept(o -> {
                if (o instanceof Identity identity) {
                    cache.put(key, identity.compact(keepPayload));
                }
            });
        }
        return outcome;
    }

    /**
     * Which authenticator a request's credential went to: {@code jwt}, {@code introspection} or {@code api-key}
     * ({@code null} when it presented no bearer token), so that a refusal is counted against the method that
     * refused it. The same routing as {@link #authenticate}; only called for refusals.
     */
    public String methodAttempted(HttpHeaders headers) {
        String authorization = headers.get(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION);
        if (authorization == null) {
            return null;
        }
        int from;
        try {
            from = BearerCredential.tokenStart(authorization, Integer.MAX_VALUE);
        } catch (BearerCredential.Refused emptyToken) {
            from = authorization.length();
        }
        if (from < 0) {
            return null;
        }
        if (jwt != null && JwtAuthenticator.looksLikeJwt(authorization, from)) {
            return "jwt";
        }
        return introspector != null ? Introspector.METHOD : ApiKeyAuthenticator.METHOD;
    }

    /** Key sets of the JWT providers, for readiness detail and logs. */
    public List<KeySetStatus> keySets() {
        return jwt == null ? List.of() : jwt.status();
    }

    /** Lookups of JWTs in the verified-credential cache that found a verified identity. */
    public long cacheHits() {
        return cache.hits();
    }

    public long cacheMisses() {
        return cache.misses();
    }

    @Override
    public void close() {
        if (jwt != null) {
            jwt.close();
        }
        if (introspector != null) {
            introspector.close();
        }
    }
}
