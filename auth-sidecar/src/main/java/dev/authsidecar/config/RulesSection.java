package dev.authsidecar.config;

import dev.authsidecar.path.InvalidPathException;
import dev.authsidecar.path.PathNormalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code rules}, {@code defaultRule} and the CORS preflight switch. A rule that loads must
 * mean what it says: a value that would make it match nothing, or less than it reads, is an error, never a
 * rule that silently does not apply (a misspelt method in a {@code deny} rule would let that method through).
 */
final class RulesSection {
    /** The values of {@code X-Auth-Method}. */
    static final List<String> AUTH_METHODS = List.of("api-key", "jwt", "introspection", "mtls");

    /**
     * The methods a rule may name: RFC 9110's, PATCH (RFC 5789), WebDAV's (RFC 4918, 3253, 5323) and QUERY.
     * CONNECT is left out because the guard refuses it before any rule is consulted.
     */
    static final Set<String> METHODS = Set.of(
            "GET",
            "HEAD",
            "POST",
            "PUT",
            "DELETE",
            "OPTIONS",
            "TRACE",
            "PATCH",
            "QUERY",
            "PROPFIND",
            "PROPPATCH",
            "MKCOL",
            "COPY",
            "MOVE",
            "LOCK",
            "UNLOCK",
            "REPORT",
            "SEARCH");
    /** Written alone, matches every method, as leaving {@code methods} out does. */
    static final String ANY_METHOD = "*";

    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern SEGMENT = Pattern.compile("[^/*?#]+|\\*");

    private RulesSection() {}

    /** @param publicPaths {@code auth.publicPaths}, which come before every rule */
    static AuthorizationConfig read(ConfigNode root, List<String> publicPaths) throws ConfigException {
        List<ConfigNode> nodes = root.objects(RuleKeys.RULES);
        List<RuleConfig> rules = new ArrayList<>();
        for (ConfigNode r : nodes) {
            rules.add(rule(r));
        }
        checkReachable(nodes, rules, publicPaths);
        String def = root.read(RuleKeys.DEFAULT_RULE);
        RuleConfig.Access defaultRule = switch (def) {
            case "authenticated" -> RuleConfig.Access.AUTHENTICATED;
            case "anonymous" -> RuleConfig.Access.ANONYMOUS;
            case "deny" -> RuleConfig.Access.DENY;
            default -> throw root.error("defaultRule", "expected authenticated, anonymous or deny, got '" + def + "'");
        };
        ConfigNode cors = root.child(RuleKeys.CORS).keys();
        boolean preflight = cors.read(RuleKeys.CORS_ALLOW_PREFLIGHT);
        cors.finish();
        return new AuthorizationConfig(rules, defaultRule, preflight);
    }

    private static RuleConfig rule(ConfigNode r) throws ConfigException {
        r.keys();
        String path = r.read(RuleKeys.PATH);
        if (path == null) {
            throw r.error("path", "is required");
        }
        checkPattern(r, "path", path);
        Set<String> methods = methods(r);
        int kinds =
                (r.has(RuleKeys.ALLOW) ? 1 : 0) + (r.has(RuleKeys.REQUIRE) ? 1 : 0) + (r.has(RuleKeys.DENY) ? 1 : 0);
        if (kinds != 1) {
            throw r.error(
                    "path",
                    "each rule needs exactly one of allow: anonymous|authenticated, "
                            + "require: {scopes, claims, authMethods, subjects}, deny: true (rule for " + path + ")");
        }
        RuleConfig.Upgrade upgrade = upgrade(r);
        RuleConfig c;
        if (r.has(RuleKeys.ALLOW)) {
            String allow = r.read(RuleKeys.ALLOW);
            RuleConfig.Access access = switch (allow) {
                case "anonymous" -> RuleConfig.Access.ANONYMOUS;
                case "authenticated" -> RuleConfig.Access.AUTHENTICATED;
                default -> throw r.error("allow", "expected anonymous or authenticated, got '" + allow + "'");
            };
            c = new RuleConfig(path, methods, access, List.of(), Map.of(), upgrade);
        } else if (r.has(RuleKeys.DENY)) {
            if (!r.read(RuleKeys.DENY)) {
                throw r.error("deny", "only deny: true makes sense; remove the rule instead");
            }
            c = new RuleConfig(path, methods, RuleConfig.Access.DENY, List.of(), Map.of(), upgrade);
        } else {
            ConfigNode req = r.child(RuleKeys.REQUIRE).keys();
            List<String> scopes = req.stringOrList(RuleKeys.REQUIRE_SCOPES);
            for (String scope : scopes) {
                if (!SCOPE.matcher(scope).matches()) {
                    throw req.error("scopes", "not a valid scope token (RFC 6749 §3.3): '" + scope + "'");
                }
            }
            Map<String, List<String>> claims = req.stringListMap(RuleKeys.REQUIRE_CLAIMS);
            for (String claim : claims.keySet()) {
                if (claim.isBlank() || !claim.strip().equals(claim)) {
                    throw req.error(
                            "claims", "a claim name must be non-empty, without surrounding spaces: '" + claim + "'");
                }
            }
            Set<String> authMethods = authMethods(req);
            List<String> subjects = subjects(req);
            req.finish();
            if (scopes.isEmpty() && claims.isEmpty() && authMethods.isEmpty() && subjects.isEmpty()) {
                throw r.error(
                        "require",
                        "name at least one scope, claim, auth method or subject " + "(or use allow: authenticated)");
            }
            c = new RuleConfig(
                    path, methods, RuleConfig.Access.REQUIRE, scopes, claims, upgrade, authMethods, subjects);
        }
        r.finish();
        return c;
    }

    /** Every listed method must have proven the request: {@code [jwt, mtls]} is a JWT over a client certificate. */
    private static Set<String> authMethods(ConfigNode req) throws ConfigException {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String m : req.stringOrList(RuleKeys.REQUIRE_AUTH_METHODS)) {
            if (!AUTH_METHODS.contains(m)) {
                throw req.error(
                        "authMethods", "expected any of " + String.join(", ", AUTH_METHODS) + ", got '" + m + "'");
            }
            out.add(m);
        }
        return out;
    }

    /** Exact subjects, or prefixes written with a final {@code /**}; no other wildcard. */
    private static List<String> subjects(ConfigNode req) throws ConfigException {
        List<String> out = req.stringOrList(RuleKeys.REQUIRE_SUBJECTS);
        for (String s : out) {
            String body = s.endsWith("/**") ? s.substring(0, s.length() - 2) : s;
            if (body.contains("*") || body.isBlank() || !body.strip().equals(body)) {
                throw req.error(
                        "subjects",
                        "expected an exact subject or a prefix ending in /** (as in "
                                + "spiffe://cluster.local/ns/payments/**), got '" + s + "'");
            }
        }
        return out;
    }

    private static RuleConfig.Upgrade upgrade(ConfigNode r) throws ConfigException {
        String value = r.read(RuleKeys.UPGRADE);
        if (value == null) {
            return RuleConfig.Upgrade.ANY;
        }
        return switch (value) {
            case "websocket" -> RuleConfig.Upgrade.WEBSOCKET;
            case "none" -> RuleConfig.Upgrade.NONE;
            default ->
                throw r.error(
                        "upgrade",
                        "expected websocket (only WebSocket upgrades) or none (only plain " + "requests), got '" + value
                                + "'; leave it out to match both");
        };
    }

    /** Upper-case method names the sidecar knows; an empty set means every method. */
    private static Set<String> methods(ConfigNode r) throws ConfigException {
        if (!r.has(RuleKeys.METHODS)) {
            return Set.of();
        }
        List<String> given = r.stringOrList(RuleKeys.METHODS);
        if (given.isEmpty()) {
            throw r.error(
                    "methods",
                    "an empty list would match no request; leave methods out (or write [\"*\"]) "
                            + "to match every method");
        }
        if (given.contains(ANY_METHOD)) {
            if (given.size() > 1) {
                throw r.error("methods", "\"*\" already matches every method; list it alone");
            }
            return Set.of();
        }
        Set<String> methods = new LinkedHashSet<>();
        for (String m : given) {
            if (!METHODS.contains(m)) {
                String upper = m.toUpperCase(Locale.ROOT);
                String hint = METHODS.contains(upper)
                        ? "; methods are case-sensitive: write " + upper
                        : Suggestions.didYouMean(upper, METHODS);
                throw r.error(
                        "methods",
                        "not an HTTP method the sidecar knows: '" + m + "'" + hint + " (known: "
                                + String.join(", ", new java.util.TreeSet<>(METHODS)) + ", or \"*\" for all)");
            }
            methods.add(m);
        }
        return methods;
    }

    /**
     * Literal segments, {@code *} for one segment and a final {@code /**}, written in the normalized form that
     * requests are matched in: a pattern the normalizer would change ({@code //}, dot segments, {@code %7E}
     * instead of {@code ~}, lower-case escapes) could never match a request.
     */
    static void checkPattern(ConfigNode n, String key, String path) throws ConfigException {
        if (!path.startsWith("/")) {
            throw n.error(key, "must start with /, got '" + path + "'");
        }
        String body = path.endsWith("/**") ? path.substring(0, path.length() - 3) : path;
        if (body.isEmpty()) {
            return;
        }
        String[] segments = body.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            boolean lastEmpty = i == segments.length - 1 && segments[i].isEmpty();
            if (!lastEmpty && !SEGMENT.matcher(segments[i]).matches()) {
                throw n.error(
                        key,
                        "use literal segments, * for one segment and a final /** for any suffix; got '" + path + "'");
            }
        }
        String normalized;
        try {
            normalized = PathNormalizer.normalize(body);
        } catch (InvalidPathException e) {
            throw n.error(key, "no request path can match '" + path + "': " + e.getMessage());
        }
        if (!normalized.equals(body)) {
            throw n.error(
                    key,
                    "requests are matched by their normalized path, so '" + path + "' could never match; " + "write '"
                            + normalized + (path.endsWith("/**") ? "/**" : "") + "'");
        }
    }

    /**
     * First match wins, so a rule that an earlier rule (or public path) matches in every case can never apply:
     * a {@code deny} after {@code /api/**} would silently let everything through.
     */
    private static void checkReachable(List<ConfigNode> nodes, List<RuleConfig> rules, List<String> publicPaths)
            throws ConfigException {
        for (int j = 0; j < rules.size(); j++) {
            RuleConfig later = rules.get(j);
            for (int i = 0; i < publicPaths.size(); i++) {
                if (covers(publicPaths.get(i), Set.of(), later.path(), later.methods())) {
                    // Public paths match upgrades and plain requests alike.
                    throw nodes.get(j)
                            .error(
                                    "path",
                                    "this rule can never apply: auth.publicPaths[" + i + "] ('" + publicPaths.get(i)
                                            + "') comes before every rule and matches every request it would");
                }
            }
            for (int i = 0; i < j; i++) {
                RuleConfig earlier = rules.get(i);
                boolean upgradeCovered =
                        earlier.upgrade() == RuleConfig.Upgrade.ANY || earlier.upgrade() == later.upgrade();
                if (upgradeCovered && covers(earlier.path(), earlier.methods(), later.path(), later.methods())) {
                    throw nodes.get(j)
                            .error(
                                    "path",
                                    "this rule can never apply: rules[" + i + "] ('" + earlier.path()
                                            + "') comes first and matches every request it would");
                }
            }
        }
    }

    /** Whether every request matching {@code (path, methods)} also matches {@code (outer, outerMethods)}. */
    static boolean covers(String outer, Set<String> outerMethods, String path, Set<String> methods) {
        if (!outerMethods.isEmpty() && (methods.isEmpty() || !outerMethods.containsAll(methods))) {
            return false;
        }
        boolean outerAny = outer.endsWith("/**");
        boolean innerAny = path.endsWith("/**");
        String[] o = segments(outer);
        String[] p = segments(path);
        if (outerAny ? o.length > p.length : innerAny || o.length != p.length) {
            return false;
        }
        for (int k = 0; k < o.length; k++) {
            // "*" takes any one non-empty segment; a literal only itself (never a "*" of the inner pattern).
            boolean segmentCovered = o[k].equals("*") ? !p[k].isEmpty() : o[k].equals(p[k]);
            if (!segmentCovered) {
                return false;
            }
        }
        return true;
    }

    private static String[] segments(String pattern) {
        String body = pattern.endsWith("/**") ? pattern.substring(0, pattern.length() - 3) : pattern;
        return body.isEmpty() || body.equals("/") && pattern.endsWith("/**")
                ? new String[0]
                : body.substring(1).split("/", -1);
    }
}
