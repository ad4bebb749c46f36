package dev.authsidecar.authorize;

import dev.authsidecar.config.RuleConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One compiled rule: a method set, path pattern and upgrade kind, and what a matching request needs. */
record Rule(
        PathPattern path,
        Set<String> methods,
        RuleConfig.Access access,
        List<String> scopes,
        Map<String, List<String>> claims,
        RuleConfig.Upgrade upgrade,
        Set<String> authMethods,
        List<String> subjects) {

    static Rule of(RuleConfig c) {
        return new Rule(
                PathPattern.parse(c.path()),
                c.methods(),
                c.access(),
                c.scopes(),
                c.claims(),
                c.upgrade(),
                c.authMethods(),
                c.subjects());
    }

    static Rule anonymous(String path) {
        return new Rule(
                PathPattern.parse(path),
                Set.of(),
                RuleConfig.Access.ANONYMOUS,
                List.of(),
                Map.of(),
                RuleConfig.Upgrade.ANY,
                Set.of(),
                List.of());
    }

    /** Exact, or a prefix: {@code spiffe://td/ns/a/**} matches everything under {@code spiffe://td/ns/a/}. */
    boolean subjectAllowed(String subject) {
        if (subjects.isEmpty()) {
            return true;
        }
        for (String s : subjects) {
            if (s.endsWith("/**") ? subject.startsWith(s.substring(0, s.length() - 2)) : subject.equals(s)) {
                return true;
            }
        }
        return false;
    }

    /** @param websocket the request will become a WebSocket tunnel if the application agrees */
    boolean matches(String method, String path, boolean websocket) {
        return (methods.isEmpty() || methods.contains(method)) && upgrade.matches(websocket) && this.path.matches(path);
    }
}
