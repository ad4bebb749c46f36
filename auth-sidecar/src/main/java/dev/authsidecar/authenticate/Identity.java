package dev.authsidecar.authenticate;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A verified caller, as the application will see it. Immutable and shared: the credential cache hands the
 * same instance to every request carrying the same token.
 */
public final class Identity implements AuthOutcome {
    /** For credentials that do not expire (API keys). */
    public static final long NEVER = Long.MAX_VALUE;

    private final String subject;
    private final String method;
    private final String issuer;
    private final Set<String> scopes;
    private final String scopeText;
    private final String client;
    private final Map<String, Object> claims;
    private final long expiresAtEpochSecond;
    private final String payload;

    /**
     * @param subject who the caller is ({@code sub}, or the API key's name)
     * @param method how it proved it: {@code api-key}, {@code jwt}, {@code introspection}
     * @param issuer who vouches for it, or {@code null}
     * @param scopes granted scopes, in the order the token lists them
     * @param client the OAuth client that obtained the token ({@code azp} or {@code client_id}), or {@code null}
     * @param claims every verified claim, JSON-shaped (String, Number, Boolean, List, Map)
     * @param expiresAtEpochSecond the credential's {@code exp}, or {@link #NEVER}
     * @param payload the verified claims as base64url JSON, or {@code null} when there are none
     */
    public Identity(
            String subject,
            String method,
            String issuer,
            List<String> scopes,
            String client,
            Map<String, Object> claims,
            long expiresAtEpochSecond,
            String payload) {
        this.subject = subject;
        this.method = method;
        this.issuer = issuer;
        this.scopes = Set.copyOf(scopes);
        this.scopeText = String.join(" ", scopes);
        this.client = client;
        this.claims = claims;
        this.expiresAtEpochSecond = expiresAtEpochSecond;
        this.payload = payload;
    }

    private Identity(Identity from, Map<String, Object> claims, String payload) {
        this.subject = from.subject;
        this.method = from.method;
        this.issuer = from.issuer;
        this.scopes = from.scopes;
        this.scopeText = from.scopeText;
        this.client = from.client;
        this.claims = claims;
        this.expiresAtEpochSecond = from.expiresAtEpochSecond;
        this.payload = payload;
    }

    /**
     * The same caller in less memory, for a cache that holds thousands of them (issue 14: 10,000 cached JWTs took
     * about 1.7 KiB of heap each). The claims go from a parser's {@code LinkedHashMap} (a 32-byte entry per claim,
     * and a table) into an immutable map (two array slots per claim); claims whose value is JSON {@code null} are
     * left out, which {@link Map#get} cannot tell apart. The payload, a few hundred bytes of base64url, is dropped
     * unless {@code keepPayload}: only {@code auth.payloadHeader} reads it, and a change to that setting rebuilds
     * the authenticate stage and its cache.
     */
    public Identity compact(boolean keepPayload) {
        Map<String, Object> compact = claims;
        if (!claims.isEmpty()) {
            Map<String, Object> present = new java.util.HashMap<>(claims.size() * 2);
            claims.forEach((name, value) -> {
                if (value != null) {
                    present.put(name, value);
                }
            });
            compact = Map.copyOf(present);
        }
        return new Identity(this, compact, keepPayload ? payload : null);
    }

    public static Identity apiKey(String name) {
        return new Identity(name, "api-key", null, List.of(), null, Map.of(), NEVER, null);
    }

    public String subject() {
        return subject;
    }

    public String method() {
        return method;
    }

    public String issuer() {
        return issuer;
    }

    public Set<String> scopes() {
        return scopes;
    }

    /** The scopes space-separated, as sent in {@code X-Auth-Scopes}. */
    public String scopeText() {
        return scopeText;
    }

    public String client() {
        return client;
    }

    public Map<String, Object> claims() {
        return claims;
    }

    public long expiresAtEpochSecond() {
        return expiresAtEpochSecond;
    }

    public String payload() {
        return payload;
    }

    public boolean isExpired(long nowEpochSecond) {
        return nowEpochSecond >= expiresAtEpochSecond;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Identity i
                && subject.equals(i.subject)
                && method.equals(i.method)
                && java.util.Objects.equals(issuer, i.issuer)
                && scopes.equals(i.scopes)
                && java.util.Objects.equals(client, i.client)
                && claims.equals(i.claims)
                && expiresAtEpochSecond == i.expiresAtEpochSecond;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(subject, method, issuer, client, expiresAtEpochSecond);
    }

    @Override
    public String toString() {
        return "Identity[" + method + ":" + subject + (issuer != null ? " from " + issuer : "") + "]";
    }
}
