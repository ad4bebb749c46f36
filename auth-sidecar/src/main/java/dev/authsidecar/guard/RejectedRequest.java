package dev.authsidecar.guard;

import dev.authsidecar.respond.Failure;

/** A request the guard refuses to forward. Thrown without a stack trace: it is an answer, not a bug. */
public final class RejectedRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Failure failure;

    public RejectedRequest(Failure failure, String detail) {
        super(detail, null, false, false);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
