package dev.authsidecar.authorize;

import dev.authsidecar.config.RuleConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One compiled rule: a method set, path pattern and upgrade kind, and what a matching request needs. */
record Rule(PathPattern path, Set<String> methods, RuleConfig.Access access, List<String> scopes,
        Map<String, List<String>> claims, RuleConfig.Upgrade upgrade) {

    static Rule of(RuleConfig c) {
        return new Rule(PathPattern.parse(c.path()), c.methods(), c.access(), c.scopes(), c.claims(), c.upgrade());
    }

    static Rule anonymous(String path) {
        return new Rule(PathPattern.parse(path), Set.of(), RuleConfig.Access.ANONYMOUS, List.of(), Map.of(),
                RuleConfig.Upgrade.ANY);
    }

    /** @param websocket the request will become a WebSocket tunnel if the application agrees */
    boolean matches(String method, String path, boolean websocket) {
        return (methods.isEmpty() || methods.contains(method)) && upgrade.matches(websocket)
                && this.path.matches(path);
    }
}
