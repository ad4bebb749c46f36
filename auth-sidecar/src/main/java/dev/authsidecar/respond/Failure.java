package dev.authsidecar.respond;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The closed set of reasons the sidecar answers a request itself. Each maps to exactly one status and title;
 * {@link ProblemResponses} is the only place that turns one into a response.
 */
public enum Failure {
    MALFORMED_REQUEST(HttpResponseStatus.BAD_REQUEST, "Malformed request", true),
    REQUEST_LINE_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "Request line too long", true),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request headers too large", true),
    REQUEST_HEAD_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "Request head not received in time", true),
    REQUEST_BODY_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "Request body not received in time", true),
    EXPECTATION_FAILED(HttpResponseStatus.EXPECTATION_FAILED, "Unsupported expectation", true),
    CREDENTIAL_MISSING(HttpResponseStatus.UNAUTHORIZED, "Authentication required", false),
    CREDENTIAL_INVALID(HttpResponseStatus.UNAUTHORIZED, "Invalid credential", false),
    CREDENTIAL_MALFORMED(HttpResponseStatus.BAD_REQUEST, "Malformed credential", false),
    INSUFFICIENT_SCOPE(HttpResponseStatus.FORBIDDEN, "Insufficient scope", false),
    ACCESS_DENIED(HttpResponseStatus.FORBIDDEN, "Access denied", false),
    AUTH_BACKEND_UNAVAILABLE(HttpResponseStatus.SERVICE_UNAVAILABLE, "Authentication backend unavailable", false),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "Upstream unavailable", false),
    UPSTREAM_CONNECT_TIMEOUT(HttpResponseStatus.BAD_GATEWAY, "Upstream connect timeout", false),
    UPSTREAM_RESET(HttpResponseStatus.BAD_GATEWAY, "Upstream closed the connection", false),
    UPSTREAM_PROTOCOL_ERROR(HttpResponseStatus.BAD_GATEWAY, "Upstream sent an invalid response", false),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "Upstream response timeout", false),
    SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "Shutting down", true);

    private final HttpResponseStatus status;
    private final String title;
    private final boolean closesConnection;

    Failure(HttpResponseStatus status, String title, boolean closesConnection) {
        this.status = status;
        this.title = title;
        this.closesConnection = closesConnection;
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
