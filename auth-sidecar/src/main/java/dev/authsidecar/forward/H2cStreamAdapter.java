package dev.authsidecar.forward;

import dev.authsidecar.respond.ProblemResponses;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;

/**
 * Between an application stream's HTTP/2-to-HTTP codec and {@link BackendHandler}: makes the stream look like an
 * HTTP/1.1 connection to {@link Exchange}, and carries what gRPC needs across.
 * <ul>
 *   <li>A gRPC request is sent with {@code te: trailers} (the rewrite stage drops {@code te} as hop-by-hop; gRPC
 *       servers require it).</li>
 *   <li>A response whose HEADERS frame ends the stream arrives as one full response; it is handed on as a head and
 *       an end, as HTTP/1.1's decoder would. For a gRPC "trailers-only" response, the {@code grpc-*} fields move
 *       to the end's trailers: a client then gets response headers and trailers, which gRPC defines as the same
 *       outcome, and an HTTP/1.1 client gets them as chunked trailers.</li>
 *   <li>The codec's {@code x-http2-*} bookkeeping headers are removed.</li>
 * </ul>
 */
final class H2cStreamAdapter extends ChannelDuplexHandler {
    private static final AsciiString GRPC_PREFIX = AsciiString.cached("grpc-");

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpRequest request
                && ProblemResponses.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response) {
            HttpHeaders h = response.headers();
            for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) {
                h.remove(name.text());
            }
            if (msg instanceof FullHttpResponse full) {
                HttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), h);
                head.setDecoderResult(full.decoderResult());
                LastHttpContent end = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
                if (ProblemResponses.isGrpc(h.get(HttpHeaderNames.CONTENT_TYPE))
                        && !full.content().isReadable()) {
                    moveGrpcFields(h, end.trailingHeaders());
                }
                ctx.fireChannelRead(head);
                ctx.fireChannelRead(end);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static void moveGrpcFields(HttpHeaders from, HttpHeaders to) {
        var it = from.iteratorCharSequence();
        java.util.List<CharSequence> names = new java.util.ArrayList<>(2);
        while (it.hasNext()) {
            var e = it.next();
            if (AsciiString.regionMatches(e.getKey(), true, 0, GRPC_PREFIX, 0, GRPC_PREFIX.length())) {
                to.add(e.getKey(), e.getValue());
                names.add(e.getKey());
            }
        }
        names.forEach(from::remove);
    }
}
