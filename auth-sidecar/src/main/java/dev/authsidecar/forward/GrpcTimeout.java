package dev.authsidecar.forward;

/**
 * gRPC's {@code grpc-timeout} request header (grpc/grpc doc/PROTOCOL-HTTP2.md): up to eight digits and a unit,
 * {@code H M S m u n}. The caller's deadline becomes the sidecar's response deadline when it is the shorter one, so
 * a call the caller has given up on does not hold the application's stream for the full configured timeout.
 */
public final class GrpcTimeout {
    private GrpcTimeout() {}

    /**
     * @return {@code configuredMillis}, or the header's timeout when it is valid and shorter (at least 1 ms); a
     *     malformed value is ignored, since the application judges the header again itself
     */
    public static long shorten(long configuredMillis, String header) {
        if (header == null || header.length() < 2 || header.length() > 9) {
            return configuredMillis;
        }
        long n = 0;
        for (int i = 0; i < header.length() - 1; i++) {
            char c = header.charAt(i);
            if (c < '0' || c > '9') {
                return configuredMillis;
            }
            n = n * 10 + (c - '0');
        }
        long millis = switch (header.charAt(header.length() - 1)) {
            case 'H' -> n * 3_600_000L;
            case 'M' -> n * 60_000L;
            case 'S' -> n * 1000L;
            case 'm' -> n;
            case 'u' -> n / 1000L;
            case 'n' -> n / 1_000_000L;
            default -> -1;
        };
        if (millis < 0) {
            return configuredMillis;
        }
        return Math.max(1, Math.min(configuredMillis, millis));
    }
}
