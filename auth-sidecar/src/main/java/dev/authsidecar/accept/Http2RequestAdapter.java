package dev.authsidecar.accept;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.ReferenceCountUtil;

/**
 * Between Netty's stream-to-HTTP codec and the request path on an HTTP/2 stream. The codec records the stream
 * id and {@code :scheme} as {@code x-http2-*} headers; they describe this hop only and must not reach the
 * application, so they go (a client cannot smuggle them either: the same names are removed whoever set them).
 * A head the codec could not turn into a request (for example {@code :authority} and {@code host} disagree) is
 * malformed: RFC 9113 §8.1.1 makes that a stream error of type PROTOCOL_ERROR, so the stream is reset and its
 * siblings carry on. So is a stream whose first header block carries no request at all (the codec would take
 * it for trailers).
 */
final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {
    private boolean headSeen;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            headSeen = true;
            HttpHeaders h = request.headers();
            for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) {
                h.remove(name.text());
            }
            if (msg instanceof FullHttpRequest full) {
                // A HEADERS frame that ends the stream becomes one full request; the request path expects what
                // HTTP/1.1's decoder produces, a head and then the end of the (empty) body.
                HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), h);
                head.setDecoderResult(full.decoderResult());
                ctx.fireChannelRead(head);
                ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                return;
            }
        } else if (!headSeen) {
            ReferenceCountUtil.release(msg);
            malformed(ctx);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException || cause instanceof Http2Exception) {
            malformed(ctx);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static void malformed(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            ctx.close();
        }
    }
}
