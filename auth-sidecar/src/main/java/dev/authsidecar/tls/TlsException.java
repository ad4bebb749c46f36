package dev.authsidecar.tls;

/** Certificate material that cannot be used; the message names the file and the reason, never key content. */
public final class TlsException extends Exception {
    private final String key;

    /** @param key the {@code server.tls} key whose file is at fault, e.g. {@code keyFile} */
    public TlsException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The full key path, e.g. {@code server.tls.keyFile}. */
    public String keyPath() {
        return "server.tls." + key;
    }
}
