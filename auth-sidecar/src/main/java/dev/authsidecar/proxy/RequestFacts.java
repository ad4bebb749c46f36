package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.record.RequestRecord;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/** Small derivations from a request and its outcome, kept out of the connection handler. */
final class RequestFacts {
    private RequestFacts() {
    }

    /** The path part of a normalized request target. */
    static String pathOf(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** A CORS preflight: browsers send it without credentials, so it can be let through by one switch. */
    static boolean isCorsPreflight(HttpRequest request) {
        return request.method().equals(HttpMethod.OPTIONS)
                && request.headers().contains(HttpHeaderNames.ORIGIN)
                && request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** How the authenticate and authorize stages ended, for metrics and the access log. */
    static RequestRecord.AuthResult resultOf(AuthOutcome.Rejected denied, Identity identity) {
        if (denied == null) {
            return identity != null ? RequestRecord.AuthResult.ALLOWED : RequestRecord.AuthResult.ANONYMOUS;
        }
        return switch (denied.failure()) {
            case CREDENTIAL_MISSING -> RequestRecord.AuthResult.MISSING;
            case INSUFFICIENT_SCOPE, ACCESS_DENIED -> RequestRecord.AuthResult.FORBIDDEN;
            case AUTH_BACKEND_UNAVAILABLE -> RequestRecord.AuthResult.UNAVAILABLE;
            default -> RequestRecord.AuthResult.INVALID;
        };
    }
}
