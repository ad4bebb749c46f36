package dev.authsidecar.authenticate.jwt;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.respond.Failure;

/**
 * A refusal thrown out of the verification steps. Instances are shared constants without stack traces, so
 * turning away a flood of bad tokens costs no allocation; the message is safe to show the caller.
 */
final class Reject extends Exception {
    static final Reject TOO_LARGE = invalid("the token is too large");
    static final Reject MALFORMED = invalid("the token is not a signed JWT (header.payload.signature)");
    static final Reject ENCRYPTED = invalid("encrypted tokens (JWE) are not accepted");
    static final Reject NOT_BASE64URL = invalid("the token has characters outside base64url (padding, whitespace)");
    static final Reject NOT_CANONICAL = invalid("the token is not in canonical base64url (a part has a length or "
            + "final character that no encoder produces)");
    static final Reject NOT_JSON =
            invalid("the token's header or payload is not a single JSON object " + "without duplicate members");
    static final Reject UNKNOWN_ISSUER = invalid("the token's issuer is not trusted");
    static final Reject ALG_NONE = invalid("unsigned tokens (alg none) are not accepted");
    static final Reject ALG_NOT_ACCEPTED = invalid("the token's algorithm is not accepted for its issuer");
    static final Reject EMBEDDED_KEY =
            invalid("tokens naming or embedding their own key (jwk, jku, x5u, x5c) " + "are not accepted");
    static final Reject CRIT = invalid("the token has critical header parameters that are not understood");
    static final Reject TYP = invalid("the token's typ is not a JWT type");
    static final Reject NESTED = invalid("nested, encrypted or compressed content (cty, enc, zip) is not accepted");
    static final Reject HEADER_TYPES = invalid("the token's header has a member of the wrong type");
    static final Reject CLAIM_TYPES = invalid("the token has a claim of the wrong type");
    static final Reject NO_EXP = invalid("the token has no exp");
    static final Reject EXPIRED = invalid("the token has expired");
    static final Reject NOT_YET_VALID = invalid("the token is not valid yet (nbf)");
    static final Reject ISSUED_IN_FUTURE = invalid("the token is issued in the future (iat)");
    static final Reject AUDIENCE = invalid("the token's audience is not accepted");
    static final Reject NO_SUBJECT = invalid("the token has no sub");
    static final Reject MISSING_CLAIM = invalid("the token lacks a required claim");
    static final Reject UNKNOWN_KEY = invalid("the token's signing key is not among the issuer's keys");
    static final Reject KEY_MISMATCH = invalid("the token's signing key does not fit its algorithm");
    static final Reject BAD_SIGNATURE = invalid("the token's signature does not verify");
    static final Reject UNVERIFIABLE = invalid("the token could not be verified");
    static final Reject KEYS_UNAVAILABLE =
            new Reject(new AuthOutcome.Unavailable("the issuer's signing keys cannot be obtained"));

    /** A {@link AuthOutcome.Rejected} or an {@link AuthOutcome.Unavailable}. */
    final transient AuthOutcome outcome;

    private Reject(AuthOutcome.Rejected outcome) {
        super(outcome.detail(), null, false, false);
        this.outcome = outcome;
    }

    private Reject(AuthOutcome.Unavailable outcome) {
        super(outcome.detail(), null, false, false);
        this.outcome = outcome;
    }

    private static Reject invalid(String detail) {
        return new Reject(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, detail));
    }
}
