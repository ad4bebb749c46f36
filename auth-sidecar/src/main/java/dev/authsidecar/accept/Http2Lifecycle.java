package dev.authsidecar.accept;

import dev.authsidecar.config.Http2Config;
import dev.authsidecar.net.Drain;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 connection as a whole, beside its streams: the connection-level flow-control window, the
 * keep-alive idle timeout and the shutdown drain. Closing goes through the frame codec, which sends GOAWAY and
 * lets the streams already open finish (up to its graceful-shutdown timeout) before closing the socket.
 */
final class Http2Lifecycle extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2Lifecycle.class);
    /** RFC 9113 §6.9.1: the initial connection window, and the largest a window may become. */
    private static final int DEFAULT_WINDOW = 65_535;

    private static final long MAX_WINDOW = Integer.MAX_VALUE;

    private final Http2FrameCodec codec;
    private final Http2Config config;

    Http2Lifecycle(Http2FrameCodec codec, Http2Config config) {
        this.codec = codec;
        this.config = config;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
        // The connection window starts at 64 KiB whatever the stream window: left there, it would be shared by
        // all streams and throttle them together. Sized to streams × stream window, it never binds before the
        // per-stream windows do, which keeps backpressure per stream; the memory bound stays the same product.
        long wanted = Math.min(MAX_WINDOW, (long) config.maxConcurrentStreams() * config.initialWindowSize());
        if (wanted > DEFAULT_WINDOW) {
            Http2Connection connection = codec.connection();
            connection.local().flowController().incrementWindowSize(connection.connectionStream(), (int)
                    (wanted - DEFAULT_WINDOW));
            ctx.flush();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.INSTANCE) {
            ctx.close();
        } else if (evt instanceof ChannelInputShutdownEvent) {
            // The client shut its sending side (or left without a reset): over HTTP/2 it can no longer send
            // WINDOW_UPDATE, SETTINGS acks or resets, so a stream waiting for window would wait forever, and with
            // nothing to write the sidecar would never learn that the peer is gone. Close as at shutdown: GOAWAY,
            // the open streams may finish, for at most server.idleTimeout (the codec's graceful-shutdown timeout).
            log.debug(
                    "HTTP/2 client shut its sending side; closing after {} open stream(s)",
                    codec.connection().numActiveStreams());
            ctx.close();
            ctx.fireUserEventTriggered(evt);
        } else if (evt instanceof IdleStateEvent) {
            if (codec.connection().numActiveStreams() == 0) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP/2 client connection failed: {}", cause.toString());
        if (cause instanceof Http2Exception) {
            // The codec shows protocol errors here first and then answers them itself, with GOAWAY and the right
            // error code (ENHANCE_YOUR_CALM for floods); closing now would send GOAWAY NO_ERROR instead.
            return;
        }
        ctx.close();
    }
}
