package dev.authsidecar.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.AuthorizationConfig;
import dev.authsidecar.config.RuleConfig.Access;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class AccessPolicyTest {
    private static final Identity ALICE = Identity.apiKey("alice");
    private static final AuthOutcome.Rejected INVALID =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not valid");

    private final AccessPolicy policy = publicPaths("/healthz", "/public/**");

    /** Anonymous access to the public paths only, authentication everywhere else (the production defaults). */
    private static AccessPolicy publicPaths(String... paths) {
        return new AccessPolicy(List.of(paths), new AuthorizationConfig(List.of(), Access.AUTHENTICATED, false));
    }

    private static Refusal check(AccessPolicy policy, String path, AuthOutcome outcome) {
        return policy.check("GET", path, false, outcome, false);
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/public/**  | /public      | true",
                "/public/**  | /public/     | true",
                "/public/**  | /public/x    | true",
                "/public/**  | /public/x/y  | true",
                "/public/**  | /publicity   | false",
                "/public/**  | /publi       | false",
                "/public/**  | /            | false",
                "/public/**  | /x/public    | false",
                "/public/**  | /Public/x    | false",
                "/healthz    | /healthz     | true",
                "/healthz    | /healthz/    | false",
                "/healthz    | /healthz/x   | false",
                "/healthz    | /healthzz    | false",
                "/healthz    | /HEALTHZ     | false",
                "/**         | /            | true",
                "/**         | /anything/x  | true",
                "/a/b/**     | /a/b         | true",
                "/a/b/**     | /a/b/c       | true",
                "/a/b/**     | /a/bc        | false",
                "/a/b/**     | /a           | false",
                "/dir/       | /dir/        | true",
                "/dir/       | /dir         | false",
            })
    void matches(String pattern, String path, boolean expected) {
        assertThat(PathPattern.parse(pattern).matches(path)).isEqualTo(expected);
    }

    /** The {@code upgrade} key: a WebSocket is its own action; a rule without the key matches both. */
    @ParameterizedTest(name = "upgrade {0}, websocket {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ANY       | false | true",
                "ANY       | true  | true",
                "WEBSOCKET | true  | true",
                "WEBSOCKET | false | false",
                "NONE      | false | true",
                "NONE      | true  | false",
            })
    void upgradeMatcher(dev.authsidecar.config.RuleConfig.Upgrade upgrade, boolean websocket, boolean expected) {
        assertThat(upgrade.matches(websocket)).isEqualTo(expected);
    }

    /** The README's example: GET /feed is allowed, its WebSocket is not. */
    @ParameterizedTest(name = "{0} websocket={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET  | false | allowed",
                "GET  | true  | ACCESS_DENIED",
                "POST | false | ACCESS_DENIED",
            })
    void aPathCanBeReadableWithoutItsWebSocket(String method, boolean websocket, String expected) {
        var rules = List.of(
                new dev.authsidecar.config.RuleConfig(
                        "/feed",
                        java.util.Set.of("GET"),
                        dev.authsidecar.config.RuleConfig.Access.AUTHENTICATED,
                        List.of(),
                        java.util.Map.of(),
                        dev.authsidecar.config.RuleConfig.Upgrade.NONE),
                new dev.authsidecar.config.RuleConfig(
                        "/feed",
                        java.util.Set.of(),
                        dev.authsidecar.config.RuleConfig.Access.DENY,
                        List.of(),
                        java.util.Map.of(),
                        dev.authsidecar.config.RuleConfig.Upgrade.ANY));
        AccessPolicy feed = new AccessPolicy(
                List.of(),
                new dev.authsidecar.config.AuthorizationConfig(
                        rules, dev.authsidecar.config.RuleConfig.Access.AUTHENTICATED, false));
        Refusal r = feed.check(method, "/feed", websocket, ALICE, false);
        assertThat(r == null ? "allowed" : r.failure().name()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/public", "/public/", "/public/x/y"})
    void anonymousMayCallPublicPaths(String path) {
        assertThat(check(policy, path, AuthOutcome.ANONYMOUS)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/orders", "/publicity", "/healthz/x", "/x/public"})
    void anonymousOnOtherPathsIsMissingCredential(String path) {
        Refusal r = check(policy, path, AuthOutcome.ANONYMOUS);

        assertThat(r).isNotNull();
        assertThat(r.failure()).isEqualTo(Failure.CREDENTIAL_MISSING);
        assertThat(r.detail()).isEqualTo("this path requires a bearer token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/orders", "/public/x"})
    void identityMayCallAnyPath(String path) {
        assertThat(check(policy, path, ALICE)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/orders", "/public/x", "/healthz"})
    void invalidCredentialIsRefusedEvenOnPublicPaths(String path) {
        assertThat(check(policy, path, INVALID)).isSameAs(INVALID);
    }

    @Test
    void malformedCredentialIsRefusedOnPublicPaths() {
        AuthOutcome.Rejected malformed = new AuthOutcome.Rejected(Failure.CREDENTIAL_MALFORMED, "two headers");

        assertThat(check(policy, "/public/x", malformed)).isSameAs(malformed);
    }

    @Test
    void withoutPublicPathsEverythingNeedsACredential() {
        AccessPolicy closed = publicPaths();

        assertThat(check(closed, "/", AuthOutcome.ANONYMOUS).failure()).isEqualTo(Failure.CREDENTIAL_MISSING);
        assertThat(check(closed, "/healthz", AuthOutcome.ANONYMOUS).failure()).isEqualTo(Failure.CREDENTIAL_MISSING);
    }
}
