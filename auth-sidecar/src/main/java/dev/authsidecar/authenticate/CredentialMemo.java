package dev.authsidecar.authenticate;

/**
 * The last credential verified on one client connection. A keep-alive client sends the same
 * {@code Authorization} value with every request; comparing it with the last one costs a string comparison
 * instead of a SHA-256 and a cache lookup. Bound to the {@link Authentication} that verified it, so a
 * reloaded configuration never honours an identity the old one granted. Confined to the connection's loop.
 */
public final class CredentialMemo {
    private Authentication owner;
    private String header;
    private Identity identity;

    Identity get(Authentication authentication, String authorization) {
        if (owner != authentication || !authorization.equals(header)) {
            return null;
        }
        if (identity.isExpired(System.currentTimeMillis() / 1000)) {
            owner = null;
            return null;
        }
        return identity;
    }

    void put(Authentication authentication, String authorization, Identity verified) {
        owner = authentication;
        header = authorization;
        identity = verified;
    }
}
