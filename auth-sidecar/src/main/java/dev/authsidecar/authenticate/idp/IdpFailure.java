package dev.authsidecar.authenticate.idp;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The identity provider gave no usable answer: unreachable, slow, an error status, too large, or content that is
 * not what was asked for. The one error type of every call to it (key sets, discovery, introspection). The message
 * is written for the operator's log: it never carries a token, a secret or the response body (which may echo
 * either).
 */
public final class IdpFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public IdpFailure(String message) {
        // No stack trace: these are expected operational events, and the message says all there is.
        super(message, null, false, false);
    }

    /**
     * The failure behind what a future of an {@link IdpClient} call (or a stage after it) completed with. Anything
     * that is not an {@code IdpFailure} is a bug in a stage after the call; it is named by class only, since its
     * message could quote what it was working on.
     */
    public static IdpFailure of(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof IdpFailure known
                ? known
                : new IdpFailure("unexpected " + e.getClass().getSimpleName());
    }
}
