package dev.authsidecar.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Turns a {@link Failure} into an {@code application/problem+json} response (RFC 9457), or, for a gRPC call, into
 * gRPC's own shape. Details are written by the sidecar, never copied from secrets; no stack traces.
 */
public final class ProblemResponses {
    public static final AsciiString PROBLEM_JSON = AsciiString.cached("application/problem+json");
    private static final String REALM = "Bearer realm=\"auth-sidecar\"";
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    /**
     * The request id header, as {@code rewrite/RequestIds} names it. Spelled here, not imported, so that this
     * package stays below {@code rewrite} (which depends on {@code authenticate}, which depends on this one).
     */
    private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ProblemResponses() {}

    /**
     * @param detail a human explanation, safe to show to the caller
     * @param requestId echoed so an operator can find the log line, may be null
     */
    public static FullHttpResponse of(Failure failure, String detail, String requestId) {
        return of(failure, detail, requestId, null);
    }

    /**
     * gRPC clients do not read HTTP statuses: a plain 401 surfaces as UNKNOWN or UNAVAILABLE. So a gRPC call gets a
     * trailers-only answer, as Envoy gives one: HTTP 200, {@code content-type: application/grpc}, no body, and
     * {@code grpc-status} and {@code grpc-message} in the header block (over HTTP/2 one HEADERS frame that ends the
     * stream). {@code www-authenticate} and the request id stay, for clients and operators that look.
     *
     * @param grpc the request is a gRPC call ({@link #isGrpc})
     */
    public static FullHttpResponse of(
            Failure failure, String detail, String requestId, String requiredScope, boolean grpc) {
        if (!grpc) {
            return of(failure, detail, requestId, requiredScope);
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        h.setInt(GRPC_STATUS, failure.grpcStatus());
        h.set(GRPC_MESSAGE, percentEncode(detail != null ? failure.title() + ": " + detail : failure.title()));
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (requestId != null) {
            h.set(REQUEST_ID, requestId);
        }
        addCommon(h, failure, requiredScope);
        return response;
    }

    /**
     * Whether the request is a gRPC call: {@code application/grpc}, alone or with a {@code +codec} or parameters.
     * gRPC-Web ({@code application/grpc-web}) carries its status in the body and is not answered this way.
     */
    public static boolean isGrpc(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
            return false;
        }
        if (contentType.length() == 16) {
            return true;
        }
        char next = contentType.charAt(16);
        return next == '+' || next == ';' || next == ' ';
    }

    /**
     * gRPC's grpc-message encoding: printable ASCII except {@code %} as is, every other UTF-8 byte as
     * {@code %XX} (grpc/grpc doc/PROTOCOL-HTTP2.md).
     */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c <= 0x7E && c != '%') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.toString();
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
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, failure.status(), Unpooled.wrappedBuffer(bytes));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, PROBLEM_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (requestId != null) {
            h.set(REQUEST_ID, requestId);
        }
        addCommon(h, failure, requiredScope);
        return response;
    }

    private static void addCommon(HttpHeaders h, Failure failure, String requiredScope) {
        switch (failure) {
            case CREDENTIAL_MISSING -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM);
            case CREDENTIAL_INVALID -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM + ", error=\"invalid_token\"");
            case CREDENTIAL_MALFORMED -> h.set(HttpHeaderNames.WWW_AUTHENTICATE, REALM + ", error=\"invalid_request\"");
            case INSUFFICIENT_SCOPE ->
                h.set(
                        HttpHeaderNames.WWW_AUTHENTICATE,
                        REALM + ", error=\"insufficient_scope\""
                                + (requiredScope != null ? ", scope=\"" + requiredScope + "\"" : ""));
            default -> {}
        }
        if (failure.closesConnection()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }
}
