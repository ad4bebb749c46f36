package dev.authsidecar.forward;

/**
 * The application's endpoints: {@code upstream.url} for everything, and optionally {@code upstream.grpc.url} for
 * gRPC calls. Choosing one is the only thing that differs between them: both are reached through the same
 * request path and the same {@link Exchange}; this is Envoy's route on a {@code content-type} header match.
 *
 * @param main the pool for {@code upstream.url}
 * @param grpc the h2c pool for {@code upstream.grpc.url}, or {@code null} when it is not set
 */
public record Upstreams(UpstreamPool main, UpstreamPool grpc) {

    /** Only {@code upstream.url}: gRPC calls go there too. */
    public static Upstreams of(UpstreamPool main) {
        return new Upstreams(main, null);
    }

    /**
     * The pool for a request. A gRPC call goes to the gRPC endpoint when there is one; a WebSocket upgrade never
     * does, since a tunnel cannot cross an HTTP/2 connection.
     */
    public UpstreamPool forRequest(boolean grpcCall, boolean websocket) {
        return grpcCall && !websocket && grpc != null ? grpc : main;
    }
}
