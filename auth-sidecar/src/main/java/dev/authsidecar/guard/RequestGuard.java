package dev.authsidecar.guard;

import dev.authsidecar.path.InvalidPathException;
import dev.authsidecar.path.PathNormalizer;
import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

/**
 * Refuses what must never be forwarded and returns the normalized request target. Netty's decoder, configured
 * strictly in {@code accept}, already rejects most framing attacks; this class turns its verdict into a
 * {@link Failure} and adds the checks that only matter to a proxy.
 */
public final class RequestGuard {
    private RequestGuard() {}

    /** @return the request target to forward: the normalized path, then the query exactly as sent */
    public static String check(HttpRequest request) throws RejectedRequest {
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            throw decoderFailure(result.cause());
        }
        if (request.method() == HttpMethod.CONNECT) {
            throw new RejectedRequest(Failure.MALFORMED_REQUEST, "CONNECT is not supported");
        }
        checkMethod(request.method());
        HttpHeaders headers = request.headers();
        checkFraming(headers);
        checkHost(request);
        return normalizeTarget(request.uri());
    }

    static String normalizeTarget(String uri) throws RejectedRequest {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String normalized;
        try {
            normalized = PathNormalizer.normalize(path);
        } catch (InvalidPathException e) {
            throw new RejectedRequest(Failure.MALFORMED_REQUEST, e.getMessage());
        }
        if (q < 0) {
            return normalized;
        }
        for (int i = q + 1; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7F || c == '#') {
                throw new RejectedRequest(
                        Failure.MALFORMED_REQUEST, "the query contains a character that must " + "be percent-encoded");
            }
        }
        // Reuse the client's string when the path did not change: the common case allocates nothing.
        return normalized == path ? uri : normalized + uri.substring(q);
    }

    /**
     * Methods are case-sensitive, but some applications compare them without case: {@code delete} would then
     * slip past a rule written for {@code DELETE}. Like nginx, accept upper-case letters, {@code -} and {@code _}
     * only. Netty hands out shared constants for the common methods, so they are not scanned.
     */
    private static void checkMethod(HttpMethod method) throws RejectedRequest {
        if (method == HttpMethod.GET
                || method == HttpMethod.POST
                || method == HttpMethod.HEAD
                || method == HttpMethod.PUT
                || method == HttpMethod.DELETE
                || method == HttpMethod.PATCH
                || method == HttpMethod.OPTIONS) {
            return;
        }
        String name = method.name();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && c != '-' && c != '_') {
                throw new RejectedRequest(
                        Failure.MALFORMED_REQUEST,
                        "the method must be upper-case letters, '-' or '_' (methods are case-sensitive)");
            }
        }
    }

    private static void checkFraming(HttpHeaders headers) throws RejectedRequest {
        List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (te.isEmpty()) {
            return;
        }
        if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            throw new RejectedRequest(
                    Failure.MALFORMED_REQUEST, "Content-Length and Transfer-Encoding together are ambiguous");
        }
        if (te.size() != 1
                || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0).trim())) {
            throw new RejectedRequest(Failure.MALFORMED_REQUEST, "only the chunked transfer coding is supported");
        }
    }

    private static void checkHost(HttpRequest request) throws RejectedRequest {
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            throw new RejectedRequest(Failure.MALFORMED_REQUEST, "more than one Host header");
        }
        if (hosts.isEmpty() && request.protocolVersion() != HttpVersion.HTTP_1_0) {
            throw new RejectedRequest(Failure.MALFORMED_REQUEST, "HTTP/1.1 requires a Host header");
        }
    }

    private static RejectedRequest decoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new RejectedRequest(Failure.REQUEST_LINE_TOO_LONG, "the request line is longer than allowed");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new RejectedRequest(Failure.HEADERS_TOO_LARGE, "the request headers are larger than allowed");
        }
        return new RejectedRequest(Failure.MALFORMED_REQUEST, "the request could not be parsed: " + describe(cause));
    }

    /** Netty's messages name the rule that was broken; keep them short and free of the offending bytes. */
    private static String describe(Throwable cause) {
        String m = cause == null ? null : cause.getMessage();
        if (m == null) {
            return cause == null ? "unknown error" : cause.getClass().getSimpleName();
        }
        int cut = m.indexOf(':');
        String text = cut > 0 ? m.substring(0, cut) : m;
        return text.length() > 120 ? text.substring(0, 120) : text;
    }
}
