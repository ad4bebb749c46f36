package dev.authsidecar.authenticate.introspection;

/**
 * The endpoint could not give a usable answer: down, slow, refused our credentials, or said something that is
 * not an RFC 7662 response. The message is written for the operator's log and never carries the token, the
 * secret or the response body (which may echo either).
 */
final class BackendFailure extends Exception {
    private static final long serialVersionUID = 1L;

    BackendFailure(String message) {
        // No stack trace: these are expected operational events, and the message says all there is.
        super(message, null, false, false);
    }
}
