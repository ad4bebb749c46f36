package dev.authsidecar.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates {@code rules}, {@code defaultRule} and the CORS preflight switch. */
final class RulesSection {
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    private static final Pattern SEGMENT = Pattern.compile("[^/*?#]+|\\*");

    private RulesSection() {
    }

    static AuthorizationConfig read(ConfigNode root) throws ConfigException {
        List<RuleConfig> rules = new ArrayList<>();
        for (ConfigNode r : root.objects("rules")) {
            rules.add(rule(r));
        }
        String def = root.string("defaultRule", "authenticated");
        RuleConfig.Access defaultRule = switch (def) {
            case "authenticated" -> RuleConfig.Access.AUTHENTICATED;
            case "anonymous" -> RuleConfig.Access.ANONYMOUS;
            case "deny" -> RuleConfig.Access.DENY;
            default -> throw root.error("defaultRule", "expected authenticated, anonymous or deny, got '" + def + "'");
        };
        ConfigNode cors = root.child("cors");
        boolean preflight = cors.bool("allowPreflight", false);
        cors.finish();
        return new AuthorizationConfig(rules, defaultRule, preflight);
    }

    private static RuleConfig rule(ConfigNode r) throws ConfigException {
        String path = r.string("path", null);
        if (path == null) {
            throw r.error("path", "is required");
        }
        checkPattern(r, path);
        Set<String> methods = new LinkedHashSet<>();
        for (String m : r.stringOrList("methods")) {
            String upper = m.toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(upper).matches()) {
                throw r.error("methods", "not an HTTP method: '" + m + "'");
            }
            methods.add(upper);
        }
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
            ConfigNode req = r.child("require");
            List<String> scopes = req.stringOrList("scopes");
            for (String scope : scopes) {
                if (!SCOPE.matcher(scope).matches()) {
                    throw req.error("scopes", "not a valid scope token (RFC 6749 §3.3): '" + scope + "'");
                }
            }
            Map<String, List<String>> claims = req.stringListMap("claims");
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

    private static void checkPattern(ConfigNode r, String path) throws ConfigException {
        String body = path.endsWith("/**") ? path.substring(0, path.length() - 3) : path;
        if (!path.startsWith("/")) {
            throw r.error("path", "must start with /, got '" + path + "'");
        }
        if (body.isEmpty()) {
            return;
        }
        String[] segments = body.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            boolean lastEmpty = i == segments.length - 1 && segments[i].isEmpty();
            if (!lastEmpty && !SEGMENT.matcher(segments[i]).matches()) {
                throw r.error("path", "use literal segments, * for one segment and a final /** for any suffix; got '"
                        + path + "'");
            }
        }
    }
}
