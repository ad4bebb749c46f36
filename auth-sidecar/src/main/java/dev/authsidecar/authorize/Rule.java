package dev.authsidecar.authorize;

import dev.authsidecar.config.RuleConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One compiled rule: a method set and path pattern, and what a matching request needs. */
record Rule(PathPattern path, Set<String> methods, RuleConfig.Access access, List<String> scopes,
        Map<String, List<String>> claims) {

    static Rule of(RuleConfig c) {
        return new Rule(PathPattern.parse(c.path()), c.methods(), c.access(), c.scopes(), c.claims());
    }

    static Rule anonymous(String path) {
        return new Rule(PathPattern.parse(path), Set.of(), RuleConfig.Access.ANONYMOUS, List.of(), Map.of());
    }

    boolean matches(String method, String path) {
        return (methods.isEmpty() || methods.contains(method)) && this.path.matches(path);
    }
}
