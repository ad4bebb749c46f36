package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.ClientCertificate;
import dev.authsidecar.guard.RejectedRequest;
import dev.authsidecar.guard.RequestGuard;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What the later stages need to know about a request head, worked out once when it arrives and kept while
 * authentication is pending.
 *
 * @param target the normalized path with the query, as forwarded; {@code path} is it without the query
 * @param unsupportedExpectation an {@code Expect} other than {@code 100-continue}, or any on HTTP/1.0 (417)
 * @param websocket the request asks for a WebSocket tunnel the sidecar would open
 * @param peer the connection's verified client certificate, or {@code null}
 */
record RequestHead(
        HttpRequest request,
        String target,
        String path,
        boolean hasBody,
        boolean chunked,
        boolean http11,
        boolean expectContinue,
        boolean unsupportedExpectation,
        boolean websocket,
        ClientCertificate peer)
        implements RequestPath.Step {

    /** The guard's verdict first: a request it refuses has no head worth keeping. */
    static RequestHead read(HttpRequest request, Upgrades upgrades, ClientCertificate peer) throws RejectedRequest {
        String target = RequestGuard.check(request);
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        boolean hasBody = chunked || HttpUtil.getContentLength(request, 0L) > 0;
        boolean http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        boolean unsupported =
                expect != null && (!http11 || !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim()));
        return new RequestHead(
                request,
                target,
                RequestFacts.pathOf(target),
                hasBody,
                chunked,
                http11,
                expect != null && !unsupported && hasBody,
                unsupported,
                upgrades.isWebSocket(request, hasBody),
                peer);
    }
}
