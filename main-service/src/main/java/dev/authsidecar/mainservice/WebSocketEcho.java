package dev.authsidecar.mainservice;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.Map;

/**
 * {@code /ws/echo}: every text or binary message comes back as it was sent, fragment by fragment. Framing,
 * masking, ping/pong and the closing handshake are Netty's ({@link WebSocketServerProtocolHandler}); this class
 * only echoes, with backpressure: while the client does not read its echoes, its messages are not read either.
 */
final class WebSocketEcho extends ChannelInboundHandlerAdapter {

    /** Largest frame accepted; a longer one is refused with close code 1009 (message too big). */
    static final int MAX_FRAME_BYTES = 1024 * 1024;

    private boolean open;

    /** Netty's handler for the handshake and the control frames, for {@value Routes#WS_ECHO} only. */
    static WebSocketServerProtocolHandler protocolHandler() {
        return new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(Routes.WS_ECHO)
                // Routes has already matched the path exactly; this only lets a query string through.
                .checkStartsWith(true)
                .handshakeTimeoutMillis(10_000)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(MAX_FRAME_BYTES)
                        .build())
                .build());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame
                || msg instanceof BinaryWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame) {
            // The frame goes back as it came (the encoder sends it unmasked); its buffer is released once written.
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        } else if (msg instanceof FullHttpRequest request) {
            // Only reachable if Netty's handler did not take an upgrade Routes passed on; never leave it unanswered.
            Json.send(ctx, request.method(), false, 404, Map.of("error", "not found"));
            request.release();
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            open = true;
        } else if (event == MainService.STOPPING && open) {
            // 1001 "going away": the client knows to reconnect elsewhere rather than treat it as an error.
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "server stopping"))
                    .addListener(ChannelFutureListener.CLOSE);
            open = false;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
