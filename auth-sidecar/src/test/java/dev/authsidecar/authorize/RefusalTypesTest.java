package dev.authsidecar.authorize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.AuthorizationConfig;
import dev.authsidecar.config.RuleConfig;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.ProblemResponses;
import dev.authsidecar.respond.Refusal;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each kind of refusal is its own type: a refused credential (401/400) and an identity provider that cannot
 * answer (503) from the authenticate stage, a rule's 403 from the authorize stage. Each type admits only its own
 * failures, and {@link ProblemResponses} answers each from its {@link Failure} alone.
 */
class RefusalTypesTest {
    private static final Identity ALICE =
            new Identity("alice", "jwt", "https://idp.test", List.of("read"), null, Map.of(), Identity.NEVER, null);

    @ParameterizedTest
    @EnumSource(
            value = Failure.class,
            names = {"CREDENTIAL_MISSING", "CREDENTIAL_INVALID", "CREDENTIAL_MALFORMED"},
            mode = EnumSource.Mode.EXCLUDE)
    void aCredentialRejectionIsNeverAnotherFailure(Failure other) {
        assertThatThrownBy(() -> new AuthOutcome.Rejected(other, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(
            value = Failure.class,
            names = {"ACCESS_DENIED", "INSUFFICIENT_SCOPE"},
            mode = EnumSource.Mode.EXCLUDE)
    void aForbiddenIsNeverAnotherFailure(Failure other) {
        assertThatThrownBy(() -> new Forbidden(other, "x", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyAnInsufficientScopeNamesAScope() {
        assertThatThrownBy(() -> new Forbidden(Failure.ACCESS_DENIED, "x", "read"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Forbidden.insufficientScope("x", "read").requiredScope()).isEqualTo("read");
        assertThat(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "x").requiredScope())
                .isNull();
    }

    @Test
    void anUnavailableIdentityProviderIsA503() {
        assertThat(new AuthOutcome.Unavailable("the issuer's signing keys cannot be obtained").failure())
                .isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void theAuthorizeStageAnswersEachKindWithItsOwnType() {
        AccessPolicy policy = new AccessPolicy(
                List.of(),
                new AuthorizationConfig(
                        List.of(
                                new RuleConfig(
                                        "/admin/**",
                                        Set.of(),
                                        RuleConfig.Access.DENY,
                                        List.of(),
                                        Map.of(),
                                        RuleConfig.Upgrade.NONE),
                                new RuleConfig(
                                        "/orders/**",
                                        Set.of(),
                                        RuleConfig.Access.REQUIRE,
                                        List.of("write"),
                                        Map.of(),
                                        RuleConfig.Upgrade.NONE)),
                        RuleConfig.Access.AUTHENTICATED,
                        false));
        AuthOutcome.Unavailable down = new AuthOutcome.Unavailable("the token introspection endpoint is unavailable");

        assertThat(policy.check("GET", "/orders/1", false, ALICE, false))
                .isEqualTo(
                        new Forbidden(Failure.INSUFFICIENT_SCOPE, "this path requires the scope(s): write", "write"));
        assertThat(policy.check("GET", "/admin/x", false, ALICE, false))
                .isEqualTo(new Forbidden(Failure.ACCESS_DENIED, "this path is closed", null));
        assertThat(policy.check("GET", "/orders/1", false, AuthOutcome.ANONYMOUS, false))
                .isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_MISSING, "this path requires a bearer token"));
        assertThat(policy.check("GET", "/orders/1", false, down, false))
                .as("passed on as it is")
                .isSameAs(down);
    }

    @Test
    void eachKindIsAnsweredFromItsFailure() {
        assertThat(answer(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token has expired")))
                .isEqualTo("401 Bearer realm=\"auth-sidecar\", error=\"invalid_token\"");
        assertThat(answer(new AuthOutcome.Unavailable("the issuer's signing keys cannot be obtained")))
                .isEqualTo("503 null");
        assertThat(answer(Forbidden.insufficientScope("this path requires the scope(s): write", "write")))
                .isEqualTo("403 Bearer realm=\"auth-sidecar\", error=\"insufficient_scope\", scope=\"write\"");
        assertThat(answer(Forbidden.accessDenied("this path is closed"))).isEqualTo("403 null");
    }

    private static String answer(Refusal refusal) {
        FullHttpResponse r = ProblemResponses.of(refusal.failure(), refusal.detail(), null, refusal.requiredScope());
        try {
            return r.status().code() + " " + r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE);
        } finally {
            r.release();
        }
    }
}
