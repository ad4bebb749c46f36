package dev.authsidecar.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.respond.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rule matching as tables, one per rule feature: each policy is loaded from the YAML a user would write, through
 * the production loader, and each row is one request (method, path, who, and whether it would become a WebSocket,
 * is a CORS preflight or came with a verified client certificate) with the verdict: {@code allowed} or the
 * {@link Failure} the sidecar answers with.
 */
final class RuleTableTest {
    /** Callers by name, so that the tables stay one line a request. */
    private static final Map<String, AuthOutcome> WHO = Map.of(
            "anonymous", AuthOutcome.ANONYMOUS,
            "invalid", new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not valid"),
            "key", Identity.apiKey("billing"),
            "reader", jwt("alice", List.of("read"), Map.of()),
            "admin", jwt("root", List.of("read", "admin", "ops"), Map.of()),
            "halfAdmin", jwt("carol", List.of("admin"), Map.of()),
            "finance",
                    jwt(
                            "dave",
                            List.of(),
                            Map.of(
                                    "groups",
                                    List.of("staff", "finance"),
                                    "tier",
                                    "gold",
                                    "level",
                                    3,
                                    "address",
                                    Map.of("groups", "finance"))),
            "staff", jwt("erin", List.of(), Map.of("groups", List.of("staff"), "tier", "gold", "level", 3)),
            "silver", jwt("frank", List.of(), Map.of("groups", "finance", "tier", "silver", "level", 3)),
            "payments",
                    new Identity(
                            "spiffe://cluster.local/ns/payments/sa/api",
                            "mtls",
                            null,
                            List.of(),
                            null,
                            Map.of(),
                            Identity.NEVER,
                            null));

    @TempDir
    static Path dir;

    private static Identity jwt(String subject, List<String> scopes, Map<String, Object> claims) {
        return new Identity(subject, "jwt", "https://idp.test", scopes, null, claims, Identity.NEVER, null);
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET     | /orders/1     | anonymous | allowed",
                "HEAD    | /orders/1     | anonymous | allowed",
                "POST    | /orders/1     | anonymous | CREDENTIAL_MISSING",
                "POST    | /orders/1     | key       | allowed",
                "DELETE  | /orders/1     | key       | ACCESS_DENIED",
                "DELETE  | /orders/1     | anonymous | ACCESS_DENIED",
                "GET     | /orders       | anonymous | allowed",
                "GET     | /ordersx      | anonymous | CREDENTIAL_MISSING",
            })
    void methods(String method, String path, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /orders/**, methods: [GET, HEAD], allow: anonymous}
                  - {path: /orders/**, methods: [DELETE], deny: true}
                """);
        assertThat(verdict(policy, method, path, who, "")).isEqualTo(verdict);
    }

    /** The README's {@code /feed}: readable, but not as a WebSocket; {@code /live} only as a WebSocket. */
    @ParameterizedTest(name = "{0} {1} as {2} {3} -> {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET  | /feed   | key       |    | allowed",
                "GET  | /feed   | key       | ws | ACCESS_DENIED",
                "GET  | /feed   | anonymous |    | CREDENTIAL_MISSING",
                "GET  | /feed   | anonymous | ws | ACCESS_DENIED",
                "POST | /feed   | key       |    | ACCESS_DENIED",
                "GET  | /live   | anonymous | ws | allowed",
                "GET  | /live   | anonymous |    | CREDENTIAL_MISSING",
                "GET  | /live   | key       |    | allowed",
                "GET  | /both/x | anonymous | ws | allowed",
                "GET  | /both/x | anonymous |    | allowed",
            })
    void upgrade(String method, String path, String who, String flags, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /feed, methods: [GET], upgrade: none, allow: authenticated}
                  - {path: /feed, deny: true}
                  - {path: /live, upgrade: websocket, allow: anonymous}
                  - {path: /both/**, allow: anonymous}
                """);
        assertThat(verdict(policy, method, path, who, flags)).isEqualTo(verdict);
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET | /admin/users | admin     | allowed",
                "GET | /admin/users | halfAdmin | INSUFFICIENT_SCOPE",
                "GET | /admin/users | reader    | INSUFFICIENT_SCOPE",
                "GET | /admin/users | key       | INSUFFICIENT_SCOPE",
                "GET | /admin/users | anonymous | CREDENTIAL_MISSING",
                "GET | /admin/users | invalid   | CREDENTIAL_INVALID",
                "GET | /read/x      | reader    | allowed",
                "GET | /read/x      | admin     | allowed",
                "GET | /read/x      | key       | INSUFFICIENT_SCOPE",
            })
    void scopes(String method, String path, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /admin/**, require: {scopes: [admin, ops]}}
                  - {path: /read/**, require: {scopes: [read]}}
                """);
        assertThat(verdict(policy, method, path, who, "")).isEqualTo(verdict);
    }

    /** A 403 for a missing scope names every scope the rule needs, for {@code WWW-Authenticate}. */
    @Test
    void aMissingScopeNamesWhatThePathNeeds() throws Exception {
        AccessPolicy policy = load("rules:\n  - {path: /admin/**, require: {scopes: [admin, ops]}}\n");
        var refused = policy.check("GET", "/admin/x", false, WHO.get("halfAdmin"), false, false);
        assertThat(refused.requiredScope()).isEqualTo("admin ops");
        assertThat(refused.detail()).isEqualTo("this path requires the scope(s): admin ops");
    }

    /**
     * Every claim must pass; a claim passes when it is, or (an array) contains, an accepted value. Numbers compare
     * by their text; an object never matches.
     */
    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET | /reports/q1 | finance   | allowed",
                "GET | /reports/q1 | staff     | INSUFFICIENT_SCOPE",
                "GET | /reports/q1 | silver    | INSUFFICIENT_SCOPE",
                "GET | /reports/q1 | reader    | INSUFFICIENT_SCOPE",
                "GET | /reports/q1 | key       | INSUFFICIENT_SCOPE",
                "GET | /reports/q1 | anonymous | CREDENTIAL_MISSING",
                "GET | /level/x    | staff     | allowed",
                "GET | /level/x    | reader    | INSUFFICIENT_SCOPE",
                "GET | /address    | finance   | INSUFFICIENT_SCOPE",
            })
    void claims(String method, String path, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /reports/*, require: {claims: {groups: [finance, audit], tier: [gold]}}}
                  - {path: /level/**, require: {claims: {level: ["3"]}}}
                  - {path: /address, require: {claims: {address: [finance]}}}
                """);
        assertThat(verdict(policy, method, path, who, "")).isEqualTo(verdict);
    }

    /** Exact subjects, or every subject under a prefix written with a final {@code /**}. */
    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "POST | /pay/x | payments  | allowed",
                "POST | /pay/x | reader    | allowed",
                "POST | /pay/x | admin     | ACCESS_DENIED",
                "POST | /pay/x | key       | ACCESS_DENIED",
                "POST | /pay/x | anonymous | CREDENTIAL_MISSING",
                "POST | /ns/x  | payments  | ACCESS_DENIED",
            })
    void subjects(String method, String path, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /pay/**, require: {subjects: ["spiffe://cluster.local/ns/payments/**", alice]}}
                  - {path: /ns/**, require: {subjects: ["spiffe://cluster.local/ns/pay/**"]}}
                """);
        assertThat(verdict(policy, method, path, who, "")).isEqualTo(verdict);
    }

    /** Every listed method must have proven the request; a verified client certificate proves {@code mtls}. */
    @ParameterizedTest(name = "{0} {1} as {2} {3} -> {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET | /mtls-only/x    | key       | cert | allowed",
                "GET | /mtls-only/x    | key       |      | ACCESS_DENIED",
                "GET | /mtls-only/x    | payments  |      | allowed",
                "GET | /mtls-only/x    | anonymous | cert | CREDENTIAL_MISSING",
                "GET | /jwt-and-mtls/x | reader    | cert | allowed",
                "GET | /jwt-and-mtls/x | reader    |      | ACCESS_DENIED",
                "GET | /jwt-and-mtls/x | key       | cert | ACCESS_DENIED",
                "GET | /keys/x         | key       |      | allowed",
                "GET | /keys/x         | reader    | cert | ACCESS_DENIED",
            })
    void authMethods(String method, String path, String who, String flags, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /mtls-only/**, require: {authMethods: [mtls]}}
                  - {path: /jwt-and-mtls/**, require: {authMethods: [jwt, mtls]}}
                  - {path: /keys/**, require: {authMethods: [api-key]}}
                """);
        assertThat(verdict(policy, method, path, who, flags)).isEqualTo(verdict);
    }

    /** A deny rule refuses everyone; an invalid credential is still answered as invalid. First match wins. */
    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET | /internal/x      | anonymous | ACCESS_DENIED",
                "GET | /internal/x      | admin     | ACCESS_DENIED",
                "GET | /internal/x      | invalid   | CREDENTIAL_INVALID",
                "GET | /internal        | key       | ACCESS_DENIED",
                "GET | /internally      | key       | allowed",
                "GET | /open/internal/x | anonymous | allowed",
                "GET | /healthz         | anonymous | allowed",
                "GET | /healthz/x       | anonymous | CREDENTIAL_MISSING",
            })
    void deny(String method, String path, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                auth:
                  publicPaths: [/healthz]
                rules:
                  - {path: /open/**, allow: anonymous}
                  - {path: /internal/**, deny: true}
                """);
        assertThat(verdict(policy, method, path, who, "")).isEqualTo(verdict);
    }

    /** What a request no rule matches gets, for each {@code defaultRule}. */
    @ParameterizedTest(name = "defaultRule {0}: {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "authenticated | anonymous | CREDENTIAL_MISSING",
                "authenticated | key       | allowed",
                "authenticated | invalid   | CREDENTIAL_INVALID",
                "anonymous     | anonymous | allowed",
                "anonymous     | key       | allowed",
                "anonymous     | invalid   | CREDENTIAL_INVALID",
                "deny          | anonymous | ACCESS_DENIED",
                "deny          | key       | ACCESS_DENIED",
                "deny          | invalid   | CREDENTIAL_INVALID",
            })
    void defaultRule(String defaultRule, String who, String verdict) throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /signed-in/**, allow: authenticated}
                defaultRule: %s
                """.formatted(defaultRule));
        assertThat(verdict(policy, "GET", "/elsewhere", who, "")).isEqualTo(verdict);
        assertThat(verdict(policy, "GET", "/signed-in/x", "key", ""))
                .as("a matching rule wins")
                .isEqualTo("allowed");
    }

    /**
     * With {@code cors.allowPreflight}, a preflight without a credential passes whatever the rule (the browser
     * sends none, and the actual request is checked); a preflight that carries a bad credential does not.
     */
    @ParameterizedTest(name = "allowPreflight {0}: {1} {2} as {3} {4} -> {5}")
    @CsvSource(
            delimiter = '|',
            value = {
                "true  | OPTIONS | /api/x      | anonymous | preflight | allowed",
                "true  | OPTIONS | /internal/x | anonymous | preflight | allowed",
                "true  | OPTIONS | /api/x      | invalid   | preflight | CREDENTIAL_INVALID",
                "true  | OPTIONS | /api/x      | anonymous |           | CREDENTIAL_MISSING",
                "true  | OPTIONS | /admin/x    | key       | preflight | INSUFFICIENT_SCOPE",
                "false | OPTIONS | /api/x      | anonymous | preflight | CREDENTIAL_MISSING",
                "false | OPTIONS | /api/x      | key       | preflight | allowed",
            })
    void cors(boolean allowPreflight, String method, String path, String who, String flags, String verdict)
            throws Exception {
        AccessPolicy policy = load("""
                rules:
                  - {path: /internal/**, deny: true}
                  - {path: /admin/**, require: {scopes: [admin]}}
                cors:
                  allowPreflight: %s
                """.formatted(allowPreflight));
        assertThat(verdict(policy, method, path, who, flags)).isEqualTo(verdict);
    }

    /** The policy a configuration file with this YAML would run with. */
    private static AccessPolicy load(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "rules", ".yaml");
        Files.writeString(file, yaml);
        SidecarConfig config = ConfigLoader.load(file, List.of());
        return new AccessPolicy(config.auth().publicPaths(), config.authorization());
    }

    /** @param flags any of {@code ws}, {@code preflight}, {@code cert} */
    private static String verdict(AccessPolicy policy, String method, String path, String who, String flags) {
        String f = flags == null ? "" : flags;
        AuthOutcome outcome = WHO.get(who);
        assertThat(outcome).as("caller %s", who).isNotNull();
        var refused =
                policy.check(method, path, f.contains("ws"), outcome, f.contains("preflight"), f.contains("cert"));
        return refused == null ? "allowed" : refused.failure().name();
    }
}
