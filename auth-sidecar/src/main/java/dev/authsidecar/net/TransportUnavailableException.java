package dev.authsidecar.net;

/** {@code server.transport} names a transport this machine cannot run; the message says why and what to do. */
public final class TransportUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    TransportUnavailableException(String message) {
        super(message);
    }
}
