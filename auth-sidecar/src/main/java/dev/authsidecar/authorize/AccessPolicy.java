package dev.authsidecar.authorize;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.AuthorizationConfig;
import dev.authsidecar.config.RuleConfig.Access;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The authorize stage: ordered rules, first match wins, {@code defaultRule} otherwise. Closed by default:
 * every path needs a valid credential unless a rule says otherwise, and a credential that is presented but
 * invalid is refused even where anonymous access is allowed. 401 when the caller is not authenticated, 403
 * when it is but lacks what the rule requires.
 */
public final class AccessPolicy {
    private static final AuthOutcome.Rejected MISSING =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_MISSING, "this path requires a bearer token");
    private static final Forbidden DENIED = Forbidden.accessDenied("this path is closed");

    private final Rule[] rules;
    private final Access defaultRule;
    private final boolean allowCorsPreflight;

    /** @param publicPaths shorthand for anonymous rules that come before all others */
    public AccessPolicy(List<String> publicPaths, AuthorizationConfig config) {
        List<Rule> all = new ArrayList<>();
        publicPaths.forEach(p -> all.add(Rule.anonymous(p)));
        config.rules().forEach(r -> all.add(Rule.of(r)));
        this.rules = all.toArray(Rule[]::new);
        this.defaultRule = config.defaultRule();
        this.allowCorsPreflight = config.allowCorsPreflight();
    }

    /**
     * @param websocket the request asks for a WebSocket tunnel the sidecar would open
     * @param corsPreflight the request is a CORS preflight ({@code OPTIONS} with {@code Origin} and
     *     {@code Access-Control-Request-Method})
     * @return {@code null} when the request may pass, else why not: the authenticate stage's own refusal, a
     *     missing credential (401), or a {@link Forbidden}
     */
    public Refusal check(
            String method, String normalizedPath, boolean websocket, AuthOutcome outcome, boolean corsPreflight) {
        return check(method, normalizedPath, websocket, outcome, corsPreflight, false);
    }

    /**
     * @param clientCertificate the connection presented a client certificate the client CA verified: the request
     *     is proven by {@code mtls} as well as by its identity's own method
     */
    public Refusal check(
            String method,
            String normalizedPath,
            boolean websocket,
            AuthOutcome outcome,
            boolean corsPreflight,
            boolean clientCertificate) {
        if (outcome instanceof Refusal refused) {
            return refused;
        }
        if (corsPreflight && allowCorsPreflight && outcome == AuthOutcome.ANONYMOUS) {
            return null;
        }
        Rule rule = find(method, normalizedPath, websocket);
        Access access = rule == null ? defaultRule : rule.access();
        switch (access) {
            case ANONYMOUS:
                return null;
            case DENY:
                return DENIED;
            case AUTHENTICATED:
                return outcome instanceof Identity ? null : MISSING;
            default:
                if (!(outcome instanceof Identity identity)) {
                    return MISSING;
                }
                return requirementsMet(rule, identity, clientCertificate);
        }
    }

    private Rule find(String method, String path, boolean websocket) {
        for (Rule r : rules) {
            if (r.matches(method, path, websocket)) {
                return r;
            }
        }
        return null;
    }

    private static Forbidden requirementsMet(Rule rule, Identity identity, boolean clientCertificate) {
        for (String m : rule.authMethods()) {
            if (!m.equals(identity.method()) && !(m.equals("mtls") && clientCertificate)) {
                return Forbidden.accessDenied(
                        "this path requires authentication by: " + String.join(", ", rule.authMethods()));
            }
        }
        if (!rule.subjectAllowed(identity.subject())) {
            return Forbidden.accessDenied("this path does not allow this caller");
        }
        if (!identity.scopes().containsAll(rule.scopes())) {
            String needed = String.join(" ", rule.scopes());
            return Forbidden.insufficientScope("this path requires the scope(s): " + needed, needed);
        }
        for (Map.Entry<String, List<String>> claim : rule.claims().entrySet()) {
            if (!claimAccepted(identity.claims().get(claim.getKey()), claim.getValue())) {
                return Forbidden.insufficientScope(
                        "the token's '" + claim.getKey() + "' claim does not allow this path", null);
            }
        }
        return null;
    }

    /** A claim passes when it is, or (for an array claim such as groups) contains, an accepted value. */
    static boolean claimAccepted(Object value, List<String> accepted) {
        if (value instanceof Collection<?> values) {
            for (Object v : values) {
                if (v != null && accepted.contains(v.toString())) {
                    return true;
                }
            }
            return false;
        }
        return value != null && !(value instanceof Map) && accepted.contains(value.toString());
    }
}
