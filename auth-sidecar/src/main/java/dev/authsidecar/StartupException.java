package dev.authsidecar;

/** The sidecar cannot start (a port is taken, a host does not resolve); the message says which and why. */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;

    public StartupException(String message) {
        super(message);
    }

    static StartupException cannotListen(String key, String address, Exception cause) {
        String reason = cause.getMessage() != null
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
        return new StartupException(key + ": cannot listen on " + address + ": " + reason);
    }
}
