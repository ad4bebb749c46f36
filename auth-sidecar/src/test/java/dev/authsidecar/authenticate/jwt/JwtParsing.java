package dev.authsidecar.authenticate.jwt;

/** Opens the package-private compact-JWT parser to the fuzz tests in {@code dev.authsidecar.fuzz}. */
public final class JwtParsing {
    private JwtParsing() {}

    /**
     * @return the segments of a token the parser accepted, or {@code null} when it refused it with a
     *     {@link Reject}; anything else it throws is left to escape, which is what the fuzz test looks for
     */
    public static String[] acceptedSegments(String token) {
        try {
            CompactJwt.parse(token);
        } catch (Reject r) {
            return null;
        }
        return token.split("\\.", -1);
    }
}
