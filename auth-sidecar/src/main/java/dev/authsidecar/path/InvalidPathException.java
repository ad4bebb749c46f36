package dev.authsidecar.path;

/** A path that cannot be brought to one unambiguous form. Thrown without a stack trace: it is an answer. */
public final class InvalidPathException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidPathException(String detail) {
        super(detail, null, false, false);
    }
}
