package dev.authsidecar.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One authorization rule: which requests it matches and what they need.
 *
 * @param path exact segments, {@code *} for one segment, a final {@code /**} for any suffix
 * @param methods upper-case methods it applies to; empty means every method
 * @param scopes with {@link Access#REQUIRE}: every one of these must be granted
 * @param claims with {@link Access#REQUIRE}: each claim must have one of the accepted values
 * @param upgrade whether the rule matches WebSocket upgrades, plain requests, or both
 * @param authMethods with {@link Access#REQUIRE}: every one of these methods must have proven the request
 *     ({@code api-key}, {@code jwt}, {@code introspection}, {@code mtls})
 * @param subjects with {@link Access#REQUIRE}: the subject must be one of these, or start with one ending in
 *     {@code /**} (without the {@code **})
 */
public record RuleConfig(
        String path,
        Set<String> methods,
        Access access,
        List<String> scopes,
        Map<String, List<String>> claims,
        Upgrade upgrade,
        Set<String> authMethods,
        List<String> subjects) {

    public RuleConfig(
            String path,
            Set<String> methods,
            Access access,
            List<String> scopes,
            Map<String, List<String>> claims,
            Upgrade upgrade) {
        this(path, methods, access, scopes, claims, upgrade, Set.of(), List.of());
    }

    public RuleConfig {
        methods = Set.copyOf(methods);
        scopes = List.copyOf(scopes);
        claims = Map.copyOf(claims);
        authMethods = Set.copyOf(authMethods);
        subjects = List.copyOf(subjects);
        java.util.Objects.requireNonNull(upgrade, "upgrade");
    }

    /**
     * The {@code upgrade} key: opening a WebSocket is its own action, so a rule can allow reading a path without
     * allowing a long-lived tunnel to it (or the reverse). Without the key a rule matches both.
     */
    public enum Upgrade {
        ANY,
        WEBSOCKET,
        NONE;

        public boolean matches(boolean websocket) {
            return this == ANY || (this == WEBSOCKET) == websocket;
        }
    }

    /** What a matching request needs. */
    public enum Access {
        ANONYMOUS,
        AUTHENTICATED,
        REQUIRE,
        DENY
    }
}
