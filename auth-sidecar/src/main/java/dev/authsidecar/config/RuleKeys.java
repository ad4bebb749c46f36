package dev.authsidecar.config;

import static dev.authsidecar.config.ConfigKey.Reload.APPLIED;

import dev.authsidecar.config.ConfigKey.BoolKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.util.List;

/** The keys of authorization: {@code rules}, {@code defaultRule} and {@code cors}. A reload applies them all. */
final class RuleKeys {
    private static final Declarations D = new Declarations();

    static final Structure RULES = D.mappings(
            "rules",
            APPLIED,
            "authorization rules, tried after auth.publicPaths; the first match wins (section Rules)");
    static final TextKey PATH = D.text(
            "rules[].path",
            "path pattern",
            null,
            APPLIED,
            "required; literal segments, * for one segment, a final /** for any suffix");
    static final Structure METHODS = D.textOrTexts(
            "rules[].methods",
            "every method",
            APPLIED,
            "the methods the rule applies to, upper case; \"*\" alone for all");
    static final TextKey UPGRADE = D.derivedText(
            "rules[].upgrade",
            "websocket | none",
            "both",
            APPLIED,
            "websocket: only WebSocket upgrades; none: only plain requests");
    static final TextKey ALLOW = D.text(
            "rules[].allow", "anonymous | authenticated", null, APPLIED, "one of allow, require or deny: who may pass");
    static final Structure REQUIRE = D.section(
            "rules[].require", APPLIED, "one of allow, require or deny: what an authenticated caller must have");
    static final Structure REQUIRE_SCOPES =
            D.textOrTexts("rules[].require.scopes", "[]", APPLIED, "every one of these scopes must be granted");
    static final Structure REQUIRE_CLAIMS = D.namedTextLists(
            "rules[].require.claims", APPLIED, "each named claim must have one of the accepted values");
    static final Structure REQUIRE_AUTH_METHODS = D.textOrTexts(
            "rules[].require.authMethods",
            "[]",
            APPLIED,
            "api-key, jwt, introspection, mtls: every one listed must have proven the request");
    static final Structure REQUIRE_SUBJECTS = D.textOrTexts(
            "rules[].require.subjects",
            "[]",
            APPLIED,
            "the subject must be one of these, or start with one ending in /**");
    static final BoolKey DENY = D.bool(
            "rules[].deny",
            false,
            APPLIED,
            "one of allow, require or deny: true refuses every matching request with 403");
    static final TextKey DEFAULT_RULE = D.text(
            "defaultRule",
            "authenticated | anonymous | deny",
            "authenticated",
            APPLIED,
            "what a request that no rule matches needs");
    static final Structure CORS = D.section("cors", APPLIED, "cross-origin requests");
    static final BoolKey CORS_ALLOW_PREFLIGHT = D.bool(
            "cors.allowPreflight",
            false,
            APPLIED,
            "let CORS preflight requests (OPTIONS with Origin and Access-Control-Request-Method) pass without a "
                    + "credential");

    private RuleKeys() {}

    static List<ConfigKey> all() {
        return D.keys();
    }
}
