package dev.authsidecar.authenticate;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ApiKey;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.testing.ApiKeysOnly;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class AuthenticationTest {
    private static final String BILLING_KEY = "sk_billing-0123456789.abc~XYZ+/";
    private static final String REPORTS_KEY = "c2stcmVwb3J0cw==";
    private static final Identity BILLING = Identity.apiKey("billing");

    private final Authentication authentication = ApiKeysOnly.authentication(ApiKeysOnly.auth(
            List.of(new ApiKey("billing", sha256(BILLING_KEY)), new ApiKey("reports", sha256(REPORTS_KEY))),
            List.of(),
            false));

    @Test
    void noAuthorizationIsAnonymous() {
        assertThat(authenticate(new DefaultHttpHeaders())).isSameAs(AuthOutcome.ANONYMOUS);
    }

    @Test
    void eachKeyIsItsOwnIdentity() {
        assertThat(authenticate("Bearer " + BILLING_KEY)).isEqualTo(BILLING);
        assertThat(authenticate("Bearer " + REPORTS_KEY)).isEqualTo(Identity.apiKey("reports"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "bEaReR ", "Bearer    "})
    void schemeIsCaseInsensitiveAndSpacesAreSkipped(String prefix) {
        assertThat(authenticate(prefix + BILLING_KEY)).isEqualTo(BILLING);
        assertThat(authenticate(prefix + BILLING_KEY + "   ")).isEqualTo(BILLING);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Basic dXNlcjpwYXNz",
                "Bearer",
                "Bearerx abc",
                "Token abc",
                "Digest username=\"a\"",
                "Bearer\tabc",
                "Bearer-abc"
            })
    void otherSchemesAreAnonymous(String value) {
        assertThat(authenticate(value)).isSameAs(AuthOutcome.ANONYMOUS);
    }

    @Test
    void duplicateAuthorizationIsMalformed() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Authorization", "Bearer " + BILLING_KEY)
                .add("authorization", "Basic dXNlcjpwYXNz");

        assertThat(authenticate(h))
                .isEqualTo(
                        new AuthOutcome.Rejected(Failure.CREDENTIAL_MALFORMED, "more than one Authorization header"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Bearer a b",
                "Bearer a=b",
                "Bearer =abc",
                "Bearer a,b",
                "Bearer a\"b",
                "Bearer a;b",
                "Bearer a\u00e9",
                "Bearer a%20",
                "Bearer a\tb",
                "Bearer " + BILLING_KEY + " x"
            })
    void tokenThatIsNotToken68IsInvalid(String value) {
        assertThat(authenticate(value)).isEqualTo(BearerCredential.MALFORMED);
    }

    @Test
    void tokenLongerThan8192IsInvalidBeforeItIsHashed() {
        assertThat(authenticate("Bearer " + "a".repeat(8193))).isEqualTo(BearerCredential.MALFORMED);
        assertThat(authenticate("Bearer " + "a".repeat(8192)))
                .isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not valid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"wrong", "abc==", BILLING_KEY + "=", "SK_BILLING-0123456789.ABC~XYZ+/"})
    void unknownTokenIsInvalidAndNamesNoKey(String token) {
        AuthOutcome outcome = authenticate("Bearer " + token);

        assertThat(outcome)
                .isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not valid"));
        assertThat(((AuthOutcome.Rejected) outcome).detail()).doesNotContain("billing", "reports");
    }

    @Test
    void noKeysConfiguredMeansEveryTokenIsInvalid() {
        Authentication none = ApiKeysOnly.authentication(ApiKeysOnly.auth(List.of(), List.of(), false));

        assertThat(none.authenticate(new DefaultHttpHeaders().add("Authorization", "Bearer " + BILLING_KEY)))
                .isInstanceOfSatisfying(
                        AuthOutcome.Rejected.class, r -> assertThat(r.failure()).isEqualTo(Failure.CREDENTIAL_INVALID));
    }

    private AuthOutcome authenticate(String authorization) {
        return authenticate(DefaultHttpHeadersFactory.headersFactory()
                .withValidation(false)
                .newHeaders()
                .add("Authorization", authorization));
    }

    private AuthOutcome authenticate(HttpHeaders headers) {
        return authentication.authenticate(headers);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
