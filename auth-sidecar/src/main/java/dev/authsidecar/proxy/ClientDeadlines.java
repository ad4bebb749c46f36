package dev.authsidecar.proxy;

import dev.authsidecar.net.LazyDeadline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.util.concurrent.TimeUnit;

/**
 * The clocks on the client connection, one at a time: the keep-alive idle timeout while no request is under
 * way; an absolute deadline for the whole request head once its first byte arrives, so a client that trickles
 * headers (slowloris) cannot hold a connection open; and, while the sidecar waits for more of a request body,
 * a limit on the wait between two reads (like nginx's client_body_timeout), so a client that stops sending
 * mid-body cannot hold the connection and its upstream connection forever. The body clock runs only while
 * the sidecar has asked for more: while the application is slow to take the body, the client is not to blame.
 * Sits before the HTTP codec to see bytes; on an HTTP/2 stream, before the stream-to-HTTP codec, where it sees
 * the stream's frames (a stream is one request, so only the head and body clocks matter there).
 *
 * <p>It only keeps time: when the head or body clock runs out it fires {@link #HEAD_TIMEOUT} or
 * {@link #BODY_TIMEOUT} to {@link FrontendHandler}, which answers (408) and records the answer like any other.
 * When the idle clock runs out, no request is under way, and the connection is simply closed.
 */
public final class ClientDeadlines extends ChannelInboundHandlerAdapter {
    /**
     * Fired down the pipeline when the head clock runs out; the proxy handler answers it (408) and records it like
     * any other answer.
     */
    public static final Object HEAD_TIMEOUT = new Object() {
        @Override
        public String toString() {
            return "request head timeout";
        }
    };

    /** Fired down the pipeline when the body clock runs out; the proxy handler answers it. */
    public static final Object BODY_TIMEOUT = new Object() {
        @Override
        public String toString() {
            return "request body timeout";
        }
    };

    private enum Phase {
        IDLE,
        READING_HEAD,
        EXCHANGE,
        READING_BODY
    }

    private final long headTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long idleTimeoutNanos;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private LazyDeadline deadline;

    public ClientDeadlines(long headTimeoutMillis, long bodyTimeoutMillis, long idleTimeoutMillis) {
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMillis);
        this.bodyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(bodyTimeoutMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        long tick = Math.min(Math.min(headTimeoutNanos, bodyTimeoutNanos), idleTimeoutNanos);
        this.deadline = new LazyDeadline(ctx.executor(), tick, this::expire);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        enter(Phase.IDLE, idleTimeoutNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.IDLE && isReadable(msg)) {
            enter(Phase.READING_HEAD, headTimeoutNanos);
        } else if (phase == Phase.READING_BODY && isReadable(msg)) {
            // More body arrived; the clock starts again when the sidecar asks for the next piece.
            phase = Phase.EXCHANGE;
            deadline.clear();
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isReadable(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.isReadable();
        }
        return msg instanceof Http2HeadersFrame || msg instanceof Http2DataFrame;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed when the connection turns out to be HTTP/2: its streams have clocks of their own.
        deadline.cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel();
        ctx.fireChannelInactive();
    }

    /** The head is complete; the exchange has its own timeouts, and the body clock runs when asked to. */
    void headReceived() {
        phase = Phase.EXCHANGE;
        deadline.clear();
    }

    /** The sidecar asks the client for more of the request body: the body clock runs until some arrives. */
    void awaitingBody() {
        if (phase == Phase.EXCHANGE) {
            enter(Phase.READING_BODY, bodyTimeoutNanos);
        }
    }

    long headTimeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos);
    }

    long bodyTimeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(bodyTimeoutNanos);
    }

    /** The response is complete and the connection stays open for the next request. */
    void awaitNextRequest() {
        if (phase != Phase.IDLE) {
            enter(Phase.IDLE, idleTimeoutNanos);
        }
    }

    /** No request is under way, not even partly received. */
    boolean isIdle() {
        return phase == Phase.IDLE;
    }

    private void enter(Phase next, long timeoutNanos) {
        phase = next;
        deadline.set(timeoutNanos);
    }

    private void expire() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (phase == Phase.READING_HEAD) {
            phase = Phase.EXCHANGE;
            ctx.fireUserEventTriggered(HEAD_TIMEOUT);
        } else if (phase == Phase.READING_BODY) {
            phase = Phase.EXCHANGE;
            ctx.fireUserEventTriggered(BODY_TIMEOUT);
        } else if (phase == Phase.IDLE) {
            ctx.close();
        }
    }
}
