package dev.authsidecar.forward;

import dev.authsidecar.net.Drain;
import dev.authsidecar.net.LazyDeadline;
import dev.authsidecar.record.Metrics;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.rewrite.ResponseRewriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket connection after the application's 101: both channels have left HTTP and relay raw bytes, with
 * the same backpressure as bodies (a side is read only while the other can take more; {@code AUTO_READ} is
 * off). Both channels run on one event loop, so no field here needs a lock or a volatile.
 *
 * <p>A FIN from either side is passed on as a FIN; the tunnel ends when both directions are done or a side
 * closes. When the sidecar ends a tunnel itself (idle, expired credential, shutdown) each side gets a close
 * frame, put only between two frames of the stream it is added to ({@link FrameBoundary}); then both
 * connections close.
 */
public final class Tunnel {
    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);
    /** How long a close frame may wait for the application's frame in progress to end; then just close. */
    static final long FRAME_END_GRACE_MILLIS = 1000;
    /** How long the client has to answer a close frame before its connection is closed anyway. */
    static final long CLOSE_LINGER_MILLIS = 1000;

    /** How a tunnel ended: a closed set, used as a metric label. */
    public enum Result {
        CLIENT_CLOSED,
        UPSTREAM_CLOSED,
        IDLE_TIMEOUT,
        EXPIRED,
        SHUTDOWN,
        ERROR;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    private final End client;
    private final End upstream;
    private final RequestRecord record;
    private final ExchangeListener listener;
    private final Metrics metrics;
    private final FrameBoundary toClient = new FrameBoundary();
    private final FrameBoundary toApplication = new FrameBoundary();
    private final long idleNanos;
    private final LazyDeadline idle;
    private ScheduledFuture<?> expiry;
    private ScheduledFuture<?> grace;
    private Result result;
    /** The sidecar is ending the tunnel: nothing more from the client is passed on. */
    private boolean closing;
    /** A close waiting for the application's frame in progress to end. */
    private CloseFrames.Close closeFrame;

    private int openChannels = 2;
    private boolean ended;

    private Tunnel(
            Channel clientChannel,
            Channel upstreamChannel,
            TunnelOffer offer,
            RequestRecord record,
            ExchangeListener listener) {
        this.client = new End(clientChannel);
        this.upstream = new End(upstreamChannel);
        client.peer = upstream;
        upstream.peer = client;
        this.record = record;
        this.listener = listener;
        this.metrics = offer.metrics();
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(offer.idleTimeoutMillis());
        this.idle = new LazyDeadline(
                clientChannel.eventLoop(), idleNanos, () -> close(Result.IDLE_TIMEOUT, CloseFrames.IDLE));
    }

    /**
     * Switches both connections from HTTP to the tunnel. Called on the event loop, while the upstream's 101 is
     * being read: bytes either HTTP codec already holds are passed on in order as the codecs leave.
     *
     * @param response the application's 101, sent on to the client
     */
    static Tunnel open(
            Channel clientChannel,
            Channel upstreamChannel,
            HttpResponse response,
            String requestId,
            TunnelOffer offer,
            RequestRecord record,
            ExchangeListener listener) {
        Tunnel t = new Tunnel(clientChannel, upstreamChannel, offer, record, listener);
        ResponseRewriter.rewrite(response, requestId, true, true, true);
        response.headers()
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        // The 101 goes out through the client's HTTP encoder; then HTTP leaves the client's pipeline.
        clientChannel.write(response);
        clientChannel.write(LastHttpContent.EMPTY_LAST_CONTENT);
        ChannelPipeline cp = clientChannel.pipeline();
        cp.remove(HttpServerCodec.class);
        cp.remove(offer.clientDeadlines());
        cp.replace(offer.clientHandler(), "tunnel", t.client);
        t.metrics.tunnelOpened();
        // Removing the upstream decoder hands on what it read after the 101 (the application may speak first).
        ChannelPipeline up = upstreamChannel.pipeline();
        up.replace(BackendHandler.class, "tunnel", t.upstream);
        up.remove(HttpClientCodec.class);
        // Only now, with HTTP gone from both sides, may what the client sent after its request go on.
        ByteBuf early;
        while ((early = offer.early().poll()) != null) {
            t.relay(t.client, early);
        }
        upstreamChannel.flush();
        clientChannel.flush();
        t.idle.set(t.idleNanos);
        if (offer.closeAtEpochSecond() != Long.MAX_VALUE) {
            long delay = Math.max(0, offer.closeAtEpochSecond() * 1000 - System.currentTimeMillis());
            t.expiry = clientChannel
                    .eventLoop()
                    .schedule(() -> t.close(Result.EXPIRED, CloseFrames.EXPIRED), delay, TimeUnit.MILLISECONDS);
        }
        t.client.readMore();
        t.upstream.readMore();
        if (clientChannel instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
            // The client's FIN came while the 101 was awaited.
            t.inputEnded(t.client);
        }
        return t;
    }

    private void relay(End from, ByteBuf buf) {
        int n = buf.readableBytes();
        if (!closing) {
            idle.set(idleNanos);
        }
        if (from == client) {
            if (closing) {
                buf.release();
                return;
            }
            toApplication.advance(buf, false);
            record.addBytesIn(n);
            metrics.tunnelBytes(true, n);
            upstream.channel.write(buf, upstream.channel.voidPromise());
        } else if (closeFrame != null) {
            // Pass on the rest of the frame in progress, then the close frame; drop what follows it.
            int part = toClient.advance(buf, true);
            if (part > 0) {
                record.addBytesOut(part);
                metrics.tunnelBytes(false, part);
                client.channel.write(buf.retainedSlice(buf.readerIndex(), part), client.channel.voidPromise());
            }
            buf.release();
            if (toClient.atBoundary()) {
                sendClose();
            }
        } else if (closing) {
            buf.release();
        } else {
            toClient.advance(buf, false);
            record.addBytesOut(n);
            metrics.tunnelBytes(false, n);
            client.channel.write(buf, client.channel.voidPromise());
        }
    }

    /** The sidecar ends the tunnel: the client gets the close frame at the next frame boundary. */
    void close(Result why, CloseFrames.Close frame) {
        if (closing || ended) {
            return;
        }
        closing = true;
        if (result == null) {
            result = why;
        }
        cancelTimers();
        if (toClient.atBoundary()) {
            closeFrame = frame;
            sendClose();
        } else if (upstream.inputDone || !upstream.channel.isActive()) {
            closeBoth();
        } else {
            closeFrame = frame;
            grace = client.channel
                    .eventLoop()
                    .schedule(
                            () -> {
                                if (closeFrame != null) {
                                    closeFrame = null;
                                    closeBoth();
                                }
                            },
                            FRAME_END_GRACE_MILLIS,
                            TimeUnit.MILLISECONDS);
            upstream.readMore();
        }
    }

    private void sendClose() {
        CloseFrames.Close frame = closeFrame;
        closeFrame = null;
        if (grace != null) {
            grace.cancel(false);
        }
        // The application gets the same close, as from a client, unless the client's frame in progress was cut.
        if (toApplication.atBoundary()) {
            upstream.channel.writeAndFlush(frame.toApplication()).addListener(ChannelFutureListener.CLOSE);
        } else {
            upstream.channel.close();
        }
        Channel ch = client.channel;
        ch.writeAndFlush(frame.toClient()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
                ch.close();
                return;
            }
            // As after any close frame: stop writing, read the client's answering close frame, then close.
            duplex.shutdownOutput();
            ch.eventLoop().schedule(() -> ch.close(), CLOSE_LINGER_MILLIS, TimeUnit.MILLISECONDS);
            ch.read();
        });
    }

    private void inputEnded(End from) {
        from.inputDone = true;
        if (closing) {
            if (from == client) {
                client.channel.close();
            } else if (closeFrame != null) {
                closeFrame = null;
                closeBoth();
            }
            return;
        }
        if (result == null) {
            result = from == client ? Result.CLIENT_CLOSED : Result.UPSTREAM_CLOSED;
        }
        Channel to = from.peer.channel;
        // The FIN goes after every byte relayed before it.
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && to.isActive() && to instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            }
        });
        if (from.peer.inputDone) {
            closeAfterFlush(client.channel);
            closeAfterFlush(upstream.channel);
        }
    }

    private void closed(End which) {
        openChannels--;
        if (!closing) {
            if (result == null) {
                result = which == client ? Result.CLIENT_CLOSED : Result.UPSTREAM_CLOSED;
            }
            closeAfterFlush(which.peer.channel);
        } else if (which == upstream && closeFrame != null) {
            // The application left in the middle of a frame: a close frame now would corrupt the stream.
            closeFrame = null;
            client.channel.close();
        }
        if (openChannels == 0) {
            finish();
        }
    }

    private void failed(End which, Throwable cause) {
        if (result == null) {
            // A reset is a side leaving abruptly, not a fault of the tunnel.
            result = cause instanceof IOException
                    ? which == client ? Result.CLIENT_CLOSED : Result.UPSTREAM_CLOSED
                    : Result.ERROR;
        }
        log.debug("tunnel {} side failed: {}", which == client ? "client" : "upstream", cause.toString());
        closeBoth();
    }

    private void closeBoth() {
        client.channel.close();
        upstream.channel.close();
    }

    private static void closeAfterFlush(Channel ch) {
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancelTimers() {
        idle.cancel();
        if (expiry != null) {
            expiry.cancel(false);
        }
    }

    private void finish() {
        if (ended) {
            return;
        }
        ended = true;
        cancelTimers();
        if (grace != null) {
            grace.cancel(false);
        }
        Result r = result == null ? Result.ERROR : result;
        record.tunnelEnded(r.label());
        metrics.tunnelClosed(r.label());
        listener.tunnelClosed();
    }

    /** One side of the tunnel: the handler that replaces HTTP on that channel. */
    private final class End extends ChannelInboundHandlerAdapter {
        final Channel channel;
        End peer;
        boolean inputDone;

        End(Channel channel) {
            this.channel = channel;
        }

        void readMore() {
            if (inputDone || ended) {
                return;
            }
            if (closing) {
                // Only the rest of the application's frame in progress, and the client's answer to the close.
                if (this == upstream ? closeFrame != null && client.channel.isWritable() : closeFrame == null) {
                    channel.read();
                }
            } else if (peer.channel.isWritable()) {
                channel.read();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf && !ended) {
                relay(this, buf);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.channel.flush();
            readMore();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (channel.isWritable()) {
                peer.readMore();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputEnded(this);
            } else if (evt == Drain.INSTANCE) {
                close(Result.SHUTDOWN, CloseFrames.SHUTDOWN);
            } else {
                ReferenceCountUtil.release(evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(this, cause);
        }
    }
}
