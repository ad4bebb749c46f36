package dev.authsidecar.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authsidecar.rewrite.RequestIds;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Turns a {@link Failure} into an {@code application/problem+json} response (RFC 9457). Details are written by
 * the sidecar, never copied from secrets; no stack traces.
 */
public final class ProblemResponses {
    public static final AsciiString PROBLEM_JSON = AsciiString.cached("application/problem+json");
    private static final String REALM = "Bearer realm=\"auth-sidecar\"";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemResponses() {
    }

    /**
     * @param detail a human explanation, safe to show to the caller
     * @param requestId echoed so an operator can find the log line, may be null
     */
    public static FullHttpResponse of(Failure failure, String detail, String requestId) {
        return of(failure, detail, requestId, null);
    }

    /** @param requiredScope for a 403, the scope the caller lacked, announced as RFC 6750 requires */
    public static FullHttpResponse of(Failure failure, String detail, String requestId, String requiredScope) {
        ObjectNode body = JSON.createObjectNode()
                .put("type", "about:blank")
                .put("title", failure.title())
                .put("status", failure.status().code());
        if (detail != null) {
            body.put("detail", detail);
        }
        if (requestId != null) {
            body.put("requestId", requestId);
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: serializing a tree of strings", e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, failure.status(), Unpooled.wrappedBuffer(bytes));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, PROBLEM_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (requestId != null) {
            h.set(RequestIds.HEADER, requestId);
        }
        switch (failure) {
            case CREDENTIAL_MISSING -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM);
            case CREDENTIAL_INVALID -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\"");
            case CREDENTIAL_MALFORMED -> h.set(HttpHeaderNames.WWW_AUTHENTICATE,
                    REALM + ", error=\"invalid_request\"");
            case INSUFFICIENT_SCOPE -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM + ", error=\"insufficient_scope\""
                    + (requiredScope != null ? ", scope=\"" + requiredScope + "\"" : ""));
            default -> { }
        }
        if (failure.closesConnection()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
