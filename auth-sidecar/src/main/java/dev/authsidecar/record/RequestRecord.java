package dev.authsidecar.record;

/**
 * What is known about the request in progress on one client connection, filled in stage by stage and handed
 * to the {@link Recorder} once it is answered. One instance per connection, reused for each request, so
 * recording allocates nothing per request. Confined to the connection's event loop.
 */
public final class RequestRecord {
    /** nginx's convention for "the client closed the connection before it got an answer". */
    public static final int CLIENT_CLOSED = 499;
    /** The protocols a client can speak to the sidecar, as the {@code protocol} label and access-log field. */
    public static final String HTTP_1_1 = "http/1.1";

    public static final String H2C = "h2c";
    /** HTTP/2 over TLS, chosen by ALPN. */
    public static final String H2 = "h2";

    static final String[] PROTOCOLS = {HTTP_1_1, H2C, H2};

    /** Index into {@link #PROTOCOLS}; fixed for the connection (or HTTP/2 stream) this record belongs to. */
    int protocol;
    /** The gRPC status the client got, from the sidecar or the application; -1 when there is none. */
    int grpcStatus = -1;

    long startNanos;
    long startMillis;
    String method;
    String path;
    String requestId;
    String traceId;
    String clientIp;
    String subject;
    String authMethod;
    AuthResult authResult;
    int status;
    int upstreamStatus;
    long bytesIn;
    long bytesOut;
    /** For a WebSocket tunnel, how it ended (a {@code Tunnel.Result} label); {@code null} for a plain request. */
    String tunnelEnd;

    boolean active;

    /** Starts a new request; a request already in progress is dropped, not recorded. */
    public void begin(String method, String requestId, String traceparent, String clientIp) {
        this.startNanos = System.nanoTime();
        this.startMillis = System.currentTimeMillis();
        this.method = method;
        this.path = null;
        this.requestId = requestId;
        this.traceId = TraceContext.traceId(traceparent);
        this.clientIp = clientIp;
        this.subject = null;
        this.authMethod = null;
        this.authResult = AuthResult.SKIPPED;
        this.status = 0;
        this.upstreamStatus = 0;
        this.bytesIn = 0;
        this.bytesOut = 0;
        this.tunnelEnd = null;
        this.grpcStatus = -1;
        this.active = true;
    }

    /** @param protocol one of {@link #PROTOCOLS} */
    public void protocol(String protocol) {
        this.protocol = protocol.equals(H2C) ? 1 : protocol.equals(H2) ? 2 : 0;
    }

    public void grpcStatus(int status) {
        this.grpcStatus = status;
    }

    /** The application's gRPC status from its {@code grpc-status} trailer; anything but a status is not recorded. */
    public void grpcStatus(String trailer) {
        if (trailer != null && !trailer.isEmpty() && trailer.length() <= 2) {
            try {
                grpcStatus(Integer.parseInt(trailer));
            } catch (NumberFormatException ignored) {
                // Not a status; nothing to record.
            }
        }
    }

    public void path(String normalizedPath) {
        this.path = normalizedPath;
    }

    public void auth(AuthResult result, String method, String subject) {
        this.authResult = result;
        this.authMethod = method;
        this.subject = subject;
    }

    public void status(int status) {
        this.status = status;
    }

    public void upstreamStatus(int status) {
        this.upstreamStatus = status;
        this.status = status;
    }

    public void addBytesIn(long n) {
        bytesIn += n;
    }

    public void addBytesOut(long n) {
        bytesOut += n;
    }

    /** The request became a tunnel, which has now ended this way; bytes counted are the tunnel's. */
    public void tunnelEnded(String result) {
        this.tunnelEnd = result;
    }

    public boolean isActive() {
        return active;
    }

    /** Where the authenticate and authorize stages left the request. */
    public enum AuthResult {
        /** A verified caller was allowed. */
        ALLOWED("allowed"),
        /** No credential, and none was needed. */
        ANONYMOUS("anonymous"),
        /** No credential where one is needed (401). */
        MISSING("missing"),
        /** A credential that is invalid or malformed (401/400). */
        INVALID("invalid"),
        /** A verified caller without the scope or claim the rule requires, or a deny rule (403). */
        FORBIDDEN("forbidden"),
        /** The credential could not be checked: IdP or introspection unavailable (503). */
        UNAVAILABLE("unavailable"),
        /** Refused before authentication (a malformed request, or a head not received in time). */
        SKIPPED("skipped");

        final String label;

        AuthResult(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
