package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.Refusal;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Small derivations from a request and its outcome, kept out of the connection handler. */
final class RequestFacts {
    private RequestFacts() {}

    /**
     * The method for the record, or {@code null} when the request line could not be parsed: Netty then hands
     * over a stand-in request ({@code GET /bad-request HTTP/1.0}) whose method the client never sent.
     */
    static String methodOf(HttpRequest request) {
        boolean standIn = !request.decoderResult().isSuccess()
                && request.method() == HttpMethod.GET
                && "/bad-request".equals(request.uri())
                && request.protocolVersion() == HttpVersion.HTTP_1_0;
        return standIn ? null : request.method().name();
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
    static RequestRecord.AuthResult resultOf(Refusal denied, Identity identity) {
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
