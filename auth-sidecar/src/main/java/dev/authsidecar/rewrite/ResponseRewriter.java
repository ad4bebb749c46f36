package dev.authsidecar.rewrite;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/** The rewrite stage for responses: strips hop-by-hop headers and re-frames the body for this client. */
public final class ResponseRewriter {
    private ResponseRewriter() {}

    /**
     * @param bodiless the response cannot have a body (HEAD request, 204, 304)
     * @param clientSpeaksHttp11 the client may receive chunked encoding
     * @param keepAlive the downstream connection stays open after this response
     * @return whether the connection can stay open: a body of unknown length to an HTTP/1.0 client must be
     *     delimited by closing it
     */
    public static boolean rewrite(
            HttpResponse response, String requestId, boolean bodiless, boolean clientSpeaksHttp11, boolean keepAlive) {
        // The client talks to the sidecar, not the application: answer in the sidecar's own version.
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        HttpHeaders h = response.headers();
        boolean hasLength = h.contains(HttpHeaderNames.CONTENT_LENGTH);
        HopByHop.strip(h);
        if (!bodiless && !hasLength) {
            if (clientSpeaksHttp11) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false;
            }
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientSpeaksHttp11) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (!h.contains(RequestIds.HEADER)) {
            h.set(RequestIds.HEADER, requestId);
        }
        return keepAlive;
    }
}
