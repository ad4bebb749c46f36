package dev.authsidecar.record;

/**
 * The trace id of a W3C {@code traceparent} header ({@code 00-<32 hex>-<16 hex>-<2 hex>}), for the access log.
 * The header itself is passed to the application unchanged.
 */
final class TraceContext {
    private TraceContext() {}

    static String traceId(String traceparent) {
        if (traceparent == null
                || traceparent.length() < 55
                || traceparent.charAt(2) != '-'
                || traceparent.charAt(35) != '-') {
            return null;
        }
        for (int i = 3; i < 35; i++) {
            char c = traceparent.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
        }
        String id = traceparent.substring(3, 35);
        return id.equals("00000000000000000000000000000000") ? null : id;
    }
}
