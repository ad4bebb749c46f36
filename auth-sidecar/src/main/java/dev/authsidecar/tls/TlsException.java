package dev.authsidecar.tls;

/** Certificate material that cannot be used; the message names the file and the reason, never key content. */
public final class TlsException extends Exception {
    private final String keyPath;

    /** @param keyPath the configuration key whose file is at fault, e.g. {@code server.tls.keyFile} */
    public TlsException(String keyPath, String message) {
        super(message);
        this.keyPath = keyPath;
    }

    /** The full key path, e.g. {@code server.tls.keyFile}. */
    public String keyPath() {
        return keyPath;
    }
}
