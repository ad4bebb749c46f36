package dev.authsidecar.authenticate.introspection;

import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.await;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.failure;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.identity;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.active;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each RFC 7662 answer means for the request, over real HTTP. */
class IntrospectorVerdictTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final IntrospectionFixture f = new IntrospectionFixture();

    @Test
    void activeAnswerBecomesAnIdentity() throws Exception {
        long exp = f.time.epochSecond() + 600;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("active", true);
        answer.put("sub", "alice");
        answer.put("scope", "read  write");
        answer.put("client_id", "web-app");
        answer.put("iss", "https://idp.example");
        answer.put("exp", exp);
        answer.put("aud", List.of("main-service"));
        answer.put("department", "sales");
        f.server.answer("opaque-alice", json(200, answer));

        Identity identity = identity(f.introspector().authenticate("opaque-alice"));

        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.method()).isEqualTo("introspection");
        assertThat(identity.issuer()).isEqualTo("https://idp.example");
        assertThat(identity.scopes()).containsExactlyInAnyOrder("read", "write");
        assertThat(identity.scopeText()).isEqualTo("read write");
        assertThat(identity.client()).isEqualTo("web-app");
        assertThat(identity.expiresAtEpochSecond()).isEqualTo(exp);
        assertThat(identity.claims())
                .containsEntry("active", true)
                .containsEntry("department", "sales")
                .containsEntry("aud", List.of("main-service"));
        assertThat(identity.payload()).doesNotContain("=", "+", "/");
        assertThat(JSON.readTree(Base64.getUrlDecoder().decode(identity.payload())))
                .isEqualTo(JSON.readTree(JSON.writeValueAsBytes(answer)));
    }

    @ParameterizedTest(name = "token_type {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"refresh_token", "Refresh_Token"})
    void anActiveRefreshTokenIsNotAnAccessToken(String type) throws Exception {
        f.server.answer("refresh", json(200, Map.of("active", true, "sub", "alice", "token_type", type)));

        assertThat(await(f.introspector().authenticate("refresh")))
                .isEqualTo(
                        new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "a refresh token is not an access token"));
        f.server.answer("access", json(200, Map.of("active", true, "sub", "alice", "token_type", "access_token")));
        assertThat(identity(f.introspector().authenticate("access")).subject()).isEqualTo("alice");
    }

    static Stream<Arguments> audiences() {
        return Stream.of(
                Arguments.of("main-service", true),
                Arguments.of(List.of("billing", "main-service"), true),
                Arguments.of("billing", false),
                Arguments.of(List.of("billing", "reports"), false),
                Arguments.of(List.of(), false));
    }

    @ParameterizedTest(name = "aud {0} -> allowed {1}")
    @MethodSource("audiences")
    void withAudiencesConfiguredTheAnswerMustNameOne(Object aud, boolean allowed) throws Exception {
        f.server.answer("token", json(200, Map.of("active", true, "sub", "alice", "aud", aud)));
        Introspector introspector = f.introspector(withAudiences(List.of("main-service", "api")));

        AuthOutcome outcome = await(introspector.authenticate("token"));

        if (allowed) {
            assertThat(outcome).isInstanceOf(Identity.class);
        } else {
            assertThat(outcome)
                    .isEqualTo(new AuthOutcome.Rejected(
                            Failure.CREDENTIAL_INVALID, "the token was not issued for this service"));
        }
    }

    @Test
    void withAudiencesConfiguredAnAnswerWithoutAudIsRefusedAndAMalformedOneIsAnOutage() throws Exception {
        Introspector introspector = f.introspector(withAudiences(List.of("main-service")));
        f.server.answer("no-aud", json(200, Map.of("active", true, "sub", "alice")));
        f.server.answer("number-aud", json(200, Map.of("active", true, "sub", "alice", "aud", 7)));
        f.server.answer(
                "mixed-aud", json(200, Map.of("active", true, "sub", "alice", "aud", List.of("main-service", 7))));

        assertThat(failure(introspector.authenticate("no-aud"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        assertThat(failure(introspector.authenticate("number-aud"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
        assertThat(failure(introspector.authenticate("mixed-aud"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void withoutAudiencesConfiguredAudIsNotChecked() throws Exception {
        f.server.answer("token", json(200, Map.of("active", true, "sub", "alice", "aud", "billing")));

        assertThat(identity(f.introspector().authenticate("token")).subject()).isEqualTo("alice");
    }

    private dev.authsidecar.config.IntrospectionConfig withAudiences(List<String> audiences) {
        dev.authsidecar.config.IntrospectionConfig c = f.config();
        return new dev.authsidecar.config.IntrospectionConfig(
                c.endpoint(),
                c.clientId(),
                c.clientSecretFile(),
                c.cacheTtl(),
                c.negativeCacheTtl(),
                c.timeout(),
                c.maxResponseBytes(),
                c.caFile(),
                audiences);
    }

    @Test
    void inactiveAnswerIsAnInvalidCredential() throws Exception {
        f.server.answer("revoked", json(200, Map.of("active", false)));

        AuthOutcome outcome = await(f.introspector().authenticate("revoked"));

        assertThat(outcome).isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token is not active"));
    }

    @Test
    void answerWithoutActiveIsInactive() throws Exception {
        f.server.answer("odd", json(200, Map.of("sub", "alice")));

        assertThat(failure(f.introspector().authenticate("odd"))).isEqualTo(Failure.CREDENTIAL_INVALID);
    }

    @Test
    void activeAnswerWhoseExpHasPassedIsInactive() throws Exception {
        f.server.answer("stale", active(Map.of("sub", "alice", "exp", f.time.epochSecond() - 1)));
        f.server.answer("ending", active(Map.of("sub", "alice", "exp", f.time.epochSecond())));
        Introspector introspector = f.introspector();

        assertThat(failure(introspector.authenticate("stale"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        assertThat(failure(introspector.authenticate("ending"))).isEqualTo(Failure.CREDENTIAL_INVALID);
    }

    @Test
    void withoutExpTheIdentityLastsNoLongerThanTheCacheTtl() throws Exception {
        f.server.answer("no-exp", active(Map.of("sub", "alice")));

        Identity identity = identity(f.introspector().authenticate("no-exp"));

        assertThat(identity.expiresAtEpochSecond())
                .isEqualTo(f.time.epochSecond() + IntrospectionFixture.CACHE_TTL.getSeconds());
    }

    static Stream<Arguments> subjects() {
        return Stream.of(
                Arguments.of(Map.of("sub", "alice", "username", "al", "client_id", "app"), "alice"),
                Arguments.of(Map.of("username", "al", "client_id", "app"), "al"),
                Arguments.of(Map.of("client_id", "batch-job"), "batch-job"),
                Arguments.of(Map.of("sub", "", "client_id", "batch-job"), "batch-job"));
    }

    @ParameterizedTest
    @MethodSource("subjects")
    void subjectIsSubElseUsernameElseClientId(Map<String, Object> claims, String subject) throws Exception {
        f.server.answer("token", active(claims));

        assertThat(identity(f.introspector().authenticate("token")).subject()).isEqualTo(subject);
    }

    @Test
    void activeTokenThatNamesNobodyIsRefused() throws Exception {
        f.server.answer("anonymous", active(Map.of("scope", "read")));

        AuthOutcome outcome = await(f.introspector().authenticate("anonymous"));

        assertThat(outcome)
                .isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token does not name a subject"));
    }

    static Stream<Object> notBooleans() {
        return Stream.of("true", 1, "yes", List.of(true), Map.of("value", true));
    }

    /** Fail closed, and as the endpoint's fault: see {@link IntrospectionResponseParser}. */
    @ParameterizedTest
    @MethodSource("notBooleans")
    void activeThatIsNotTheJsonBooleanTrueIsABackendFailure(Object notBoolean) throws Exception {
        f.server.answer("token", json(200, Map.of("active", notBoolean, "sub", "alice")));

        assertThat(failure(f.introspector().authenticate("token"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void activeThatIsJsonNullIsABackendFailure() throws Exception {
        Map<String, Object> answer = new HashMap<>();
        answer.put("active", null);
        answer.put("sub", "alice");
        f.server.answer("token", json(200, answer));

        assertThat(failure(f.introspector().authenticate("token"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    static Stream<Arguments> wronglyTyped() {
        return Stream.of(
                Arguments.of("exp", "1900000000"),
                Arguments.of("exp", new BigInteger("1" + "0".repeat(30))),
                Arguments.of("sub", 42),
                Arguments.of("scope", List.of("read")),
                Arguments.of("client_id", true),
                Arguments.of("iss", Map.of("url", "https://idp.example")),
                Arguments.of("username", 7));
    }

    @ParameterizedTest
    @MethodSource("wronglyTyped")
    void wronglyTypedMemberIsABackendFailure(String name, Object value) throws Exception {
        Map<String, Object> claims = new HashMap<>(Map.of("sub", "alice"));
        claims.put(name, value);
        f.server.answer("token", active(claims));

        assertThat(failure(f.introspector().authenticate("token"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
    }
}
