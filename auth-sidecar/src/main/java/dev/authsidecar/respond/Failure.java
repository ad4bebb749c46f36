package dev.authsidecar.respond;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The closed set of reasons the sidecar answers a request itself. Each maps to exactly one HTTP status, one gRPC
 * status and a title; {@link ProblemResponses} is the only place that turns one into a response.
 */
public enum Failure {
    // gRPC codes (grpc/grpc doc/statuscodes.md) follow gRPC's HTTP-to-gRPC mapping (doc/http-grpc-status-mapping.md):
    // 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 502/503 UNAVAILABLE, anything else UNKNOWN; with
    // Envoy's two refinements for a proxy's own answers: 504 is DEADLINE_EXCEEDED, and a malformed credential is
    // UNAUTHENTICATED (it is the credential, not the call, that is wrong).
    MALFORMED_REQUEST(HttpResponseStatus.BAD_REQUEST, "Malformed request", true, Grpc.INTERNAL),
    REQUEST_LINE_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "Request line too long", true, Grpc.UNKNOWN),
    HEADERS_TOO_LARGE(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request headers too large", true, Grpc.UNKNOWN),
    REQUEST_HEAD_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "Request head not received in time", true, Grpc.UNKNOWN),
    REQUEST_BODY_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "Request body not received in time", true, Grpc.UNKNOWN),
    EXPECTATION_FAILED(HttpResponseStatus.EXPECTATION_FAILED, "Unsupported expectation", true, Grpc.UNKNOWN),
    CREDENTIAL_MISSING(HttpResponseStatus.UNAUTHORIZED, "Authentication required", false, Grpc.UNAUTHENTICATED),
    CREDENTIAL_INVALID(HttpResponseStatus.UNAUTHORIZED, "Invalid credential", false, Grpc.UNAUTHENTICATED),
    CREDENTIAL_MALFORMED(HttpResponseStatus.BAD_REQUEST, "Malformed credential", false, Grpc.UNAUTHENTICATED),
    INSUFFICIENT_SCOPE(HttpResponseStatus.FORBIDDEN, "Insufficient scope", false, Grpc.PERMISSION_DENIED),
    ACCESS_DENIED(HttpResponseStatus.FORBIDDEN, "Access denied", false, Grpc.PERMISSION_DENIED),
    AUTH_BACKEND_UNAVAILABLE(
            HttpResponseStatus.SERVICE_UNAVAILABLE, "Authentication backend unavailable", false, Grpc.UNAVAILABLE),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "Upstream unavailable", false, Grpc.UNAVAILABLE),
    UPSTREAM_CONNECT_TIMEOUT(HttpResponseStatus.BAD_GATEWAY, "Upstream connect timeout", false, Grpc.UNAVAILABLE),
    UPSTREAM_RESET(HttpResponseStatus.BAD_GATEWAY, "Upstream closed the connection", false, Grpc.UNAVAILABLE),
    UPSTREAM_PROTOCOL_ERROR(
            HttpResponseStatus.BAD_GATEWAY, "Upstream sent an invalid response", false, Grpc.UNAVAILABLE),
    UPSTREAM_TLS(HttpResponseStatus.BAD_GATEWAY, "Upstream TLS handshake failed", false, Grpc.UNAVAILABLE),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "Upstream response timeout", false, Grpc.DEADLINE_EXCEEDED),
    GRPC_NEEDS_HTTP2(
            HttpResponseStatus.NOT_IMPLEMENTED, "gRPC needs HTTP/2 to the application", false, Grpc.UNIMPLEMENTED);

    /** The gRPC status codes the sidecar answers with (grpc/grpc doc/statuscodes.md). */
    public static final class Grpc {
        public static final int UNKNOWN = 2;
        public static final int DEADLINE_EXCEEDED = 4;
        public static final int PERMISSION_DENIED = 7;
        public static final int UNIMPLEMENTED = 12;
        public static final int INTERNAL = 13;
        public static final int UNAVAILABLE = 14;
        public static final int UNAUTHENTICATED = 16;

        private Grpc() {}
    }

    private final HttpResponseStatus status;
    private final String title;
    private final boolean closesConnection;
    private final int grpcStatus;

    Failure(HttpResponseStatus status, String title, boolean closesConnection, int grpcStatus) {
        this.status = status;
        this.title = title;
        this.closesConnection = closesConnection;
        this.grpcStatus = grpcStatus;
    }

    /** The {@code grpc-status} a gRPC caller gets instead of {@link #status()}. */
    public int grpcStatus() {
        return grpcStatus;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Framing or protocol errors leave the connection in an unknown state: it must not be reused. */
    public boolean closesConnection() {
        return closesConnection;
    }
}
