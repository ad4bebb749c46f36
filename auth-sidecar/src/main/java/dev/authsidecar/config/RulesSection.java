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
    /**
     * The methods a rule may name: RFC 9110's, PATCH (RFC 5789), WebDAV's (RFC 4918, 3253, 5323) and QUERY.
     * CONNECT is left out because the guard refuses it before any rule is consulted.
     */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH",
            "QUERY", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH");
    /** Written alone, matches every method, as leaving {@code methods} out does. */
    static final String ANY_METHOD = "*";
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern SEGMENT = Pattern.compile("[^/*?#]+|\\*");

    private RulesSection() {
    }

    /** @param publicPaths {@code auth.publicPaths}, which come before every rule */
    static AuthorizationConfig read(ConfigNode root, List<String> publicPaths) throws ConfigException {
        List<ConfigNode> nodes = root.objects("rules");
        List<RuleConfig> rules = new ArrayList<>();
        for (ConfigNode r : nodes) {
            rules.add(rule(r));
        }
        checkReachable(nodes, rules, publicPaths);
        String def = root.string("defaultRule", "authenticated");
        RuleConfig.Access defaultRule = switch (def) {
            case "authenticated" -> RuleConfig.Access.AUTHENTICATED;
            case "anonymous" -> RuleConfig.Access.ANONYMOUS;
            case "deny" -> RuleConfig.Access.DENY;
            default -> throw root.error("defaultRule", "expected authenticated, anonymous or deny, got '" + def + "'");
        };
        ConfigNode cors = root.child("cors").keys("allowPreflight");
        boolean preflight = cors.bool("allowPreflight", false);
        cors.finish();
        return new AuthorizationConfig(rules, defaultRule, preflight);
    }

    private static RuleConfig rule(ConfigNode r) throws ConfigException {
        r.keys("path", "methods", "upgrade", "allow", "require", "deny");
        String path = r.string("path", null);
        if (path == null) {
            throw r.error("path", "is required");
        }
        checkPattern(r, "path", path);
        Set<String> methods = methods(r);
        int kinds = (r.has("allow") ? 1 : 0) + (r.has("require") ? 1 : 0) + (r.has("deny") ? 1 : 0);
        if (kinds != 1) {
            throw r.error("path", "each rule needs exactly one of allow: anonymous|authenticated, "
                    + "require: {scopes, claims}, deny: true (rule for " + path + ")");
        }
        RuleConfig.Upgrade upgrade = upgrade(r);
        RuleConfig c;
        if (r.has("allow")) {
            String allow = r.string("allow", null);
            RuleConfig.Access access = switch (allow) {
                case "anonymous" -> RuleConfig.Access.ANONYMOUS;
                case "authenticated" -> RuleConfig.Access.AUTHENTICATED;
                default -> throw r.error("allow", "expected anonymous or authenticated, got '" + allow + "'");
            };
            c = new RuleConfig(path, methods, access, List.of(), Map.of(), upgrade);
        } else if (r.has("deny")) {
            if (!r.bool("deny", false)) {
                throw r.error("deny", "only deny: true makes sense; remove the rule instead");
            }
            c = new RuleConfig(path, methods, RuleConfig.Access.DENY, List.of(), Map.of(), upgrade);
        } else {
            ConfigNode req = r.child("require").keys("scopes", "claims");
            List<String> scopes = req.stringOrList("scopes");
            for (String scope : scopes) {
                if (!SCOPE.matcher(scope).matches()) {
                    throw req.error("scopes", "not a valid scope token (RFC 6749 §3.3): '" + scope + "'");
                }
            }
            Map<String, List<String>> claims = req.stringListMap("claims");
            for (String claim : claims.keySet()) {
                if (claim.isBlank() || !claim.strip().equals(claim)) {
                    throw req.error("claims", "a claim name must be non-empty, without surrounding spaces: '"
                            + claim + "'");
                }
            }
            req.finish();
            if (scopes.isEmpty() && claims.isEmpty()) {
                throw r.error("require", "name at least one scope or claim (or use allow: authenticated)");
            }
            c = new RuleConfig(path, methods, RuleConfig.Access.REQUIRE, scopes, claims, upgrade);
        }
        r.finish();
        return c;
    }

    private static RuleConfig.Upgrade upgrade(ConfigNode r) throws ConfigException {
        String value = r.string("upgrade", null);
        if (value == null) {
            return RuleConfig.Upgrade.ANY;
        }
        return switch (value) {
            case "websocket" -> RuleConfig.Upgrade.WEBSOCKET;
            case "none" -> RuleConfig.Upgrade.NONE;
            default -> throw r.error("upgrade", "expected websocket (only WebSocket upgrades) or none (only plain "
                    + "requests), got '" + value + "'; leave it out to match both");
        };
    }

    /** Upper-case method names the sidecar knows; an empty set means every method. */
    private static Set<String> methods(ConfigNode r) throws ConfigException {
        if (!r.has("methods")) {
            return Set.of();
        }
        List<String> given = r.stringOrList("methods");
        if (given.isEmpty()) {
            throw r.error("methods", "an empty list would match no request; leave methods out (or write [\"*\"]) "
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
                String hint = METHODS.contains(upper) ? "; methods are case-sensitive: write " + upper
                        : Suggestions.didYouMean(upper, METHODS);
                throw r.error("methods", "not an HTTP method the sidecar knows: '" + m + "'" + hint
                        + " (known: " + String.join(", ", new java.util.TreeSet<>(METHODS)) + ", or \"*\" for all)");
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
                throw n.error(key, "use literal segments, * for one segment and a final /** for any suffix; got '"
                        + path + "'");
            }
        }
        String normalized;
        try {
            normalized = PathNormalizer.normalize(body);
        } catch (InvalidPathException e) {
            throw n.error(key, "no request path can match '" + path + "': " + e.getMessage());
        }
        if (!normalized.equals(body)) {
            throw n.error(key, "requests are matched by their normalized path, so '" + path + "' could never match; "
                    + "write '" + normalized + (path.endsWith("/**") ? "/**" : "") + "'");
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
                    throw nodes.get(j).error("path", "this rule can never apply: auth.publicPaths[" + i + "] ('"
                            + publicPaths.get(i) + "') comes before every rule and matches every request it would");
                }
            }
            for (int i = 0; i < j; i++) {
                RuleConfig earlier = rules.get(i);
                boolean upgradeCovered = earlier.upgrade() == RuleConfig.Upgrade.ANY
                        || earlier.upgrade() == later.upgrade();
                if (upgradeCovered && covers(earlier.path(), earlier.methods(), later.path(), later.methods())) {
                    throw nodes.get(j).error("path", "this rule can never apply: rules[" + i + "] ('"
                            + earlier.path() + "') comes first and matches every request it would");
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
        return body.isEmpty() || body.equals("/") && pattern.endsWith("/**") ? new String[0]
                : body.substring(1).split("/", -1);
    }
}
