package dev.authsidecar.authenticate;

import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.HttpHeaders;

/** The authenticate stage: turns the request's credential into an {@link AuthOutcome}. */
public final class Authentication {
    private static final AuthOutcome.Rejected UNKNOWN = new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID,
            "the bearer token is not valid");

    private final ApiKeyAuthenticator apiKeys;

    public Authentication(AuthConfig config) {
        this.apiKeys = new ApiKeyAuthenticator(config.apiKeys());
    }

    public AuthOutcome authenticate(HttpHeaders headers) {
        String token;
        try {
            token = BearerCredential.extract(headers);
        } catch (BearerCredential.Refused e) {
            return e.outcome;
        }
        if (token == null) {
            return AuthOutcome.ANONYMOUS;
        }
        Identity identity = apiKeys.authenticate(token);
        return identity != null ? identity : UNKNOWN;
    }
}
