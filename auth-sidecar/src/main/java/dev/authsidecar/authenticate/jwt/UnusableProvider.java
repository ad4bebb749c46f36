package dev.authsidecar.authenticate.jwt;

/**
 * A JWT provider's configuration names a file that cannot be used (a JWKS file, an HMAC secret, a CA bundle). It
 * carries the provider's name apart from the reason, so that a configuration check can point at the provider's entry
 * without taking the message apart.
 */
public final class UnusableProvider extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String provider;
    private final String reason;

    UnusableProvider(String provider, String reason, Throwable cause) {
        super("JWT provider '" + provider + "': " + reason, cause);
        this.provider = provider;
        this.reason = reason;
    }

    /** The provider's configured {@code name}. */
    public String provider() {
        return provider;
    }

    /** What is wrong, without the provider's name. */
    public String reason() {
        return reason;
    }
}
