package dev.authsidecar.config;

import java.util.List;

/**
 * Ordered rules, first match wins; {@code defaultRule} for requests no rule matches.
 *
 * @param allowCorsPreflight let CORS preflights ({@code OPTIONS} with {@code Origin} and
 *     {@code Access-Control-Request-Method}) through without a credential, since browsers never send one
 */
public record AuthorizationConfig(List<RuleConfig> rules, RuleConfig.Access defaultRule, boolean allowCorsPreflight) {
    public AuthorizationConfig {
        rules = List.copyOf(rules);
    }
}
