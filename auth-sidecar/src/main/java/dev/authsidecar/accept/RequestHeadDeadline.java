package dev.authsidecar.accept;

import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.ProblemResponses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two clocks on the client connection, never both at once: the keep-alive idle timeout while no request is
 * under way, and an absolute deadline for the whole request head once its first byte arrives, so a client
 * that trickles headers (slowloris) cannot hold a connection open. Sits before the HTTP codec to see bytes.
 */
public final class RequestHeadDeadline extends ChannelInboundHandlerAdapter {
    private enum Phase { IDLE, READING_HEAD, EXCHANGE }

    private final long headTimeoutNanos;
    private final long idleTimeoutNanos;
    /** No timer is ever further ahead than this, so a later, shorter deadline never needs a reschedule. */
    private final long tickNanos;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private long deadlineNanos;
    private ScheduledFuture<?> timer;

    public RequestHeadDeadline(long headTimeoutMillis, long idleTimeoutMillis) {
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.tickNanos = Math.min(headTimeoutNanos, idleTimeoutNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        enter(Phase.IDLE, idleTimeoutNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
            enter(Phase.READING_HEAD, headTimeoutNanos);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    /** The head is complete; the exchange has its own timeouts. */
    public void headReceived() {
        phase = Phase.EXCHANGE;
    }

    /** The response is complete and the connection stays open for the next request. */
    public void awaitNextRequest() {
        if (phase != Phase.IDLE) {
            enter(Phase.IDLE, idleTimeoutNanos);
        }
    }

    /** No request is under way, not even partly received. */
    public boolean isIdle() {
        return phase == Phase.IDLE;
    }

    /**
     * Moves the deadline without touching the scheduler on the hot path: a timer, once armed, fires at most
     * one tick ahead and re-arms itself for the current deadline, so keep-alive traffic costs no scheduling
     * per request.
     */
    private void enter(Phase next, long timeoutNanos) {
        phase = next;
        deadlineNanos = System.nanoTime() + timeoutNanos;
        if (timer == null) {
            schedule(Math.min(timeoutNanos, tickNanos));
        }
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!ctx.channel().isActive() || phase == Phase.EXCHANGE) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            schedule(Math.min(left, tickNanos));
        } else if (phase == Phase.READING_HEAD) {
            // Written from the channel's tail so that it passes through the HTTP encoder.
            ctx.channel().writeAndFlush(ProblemResponses.of(Failure.REQUEST_HEAD_TIMEOUT,
                    "the request head was not received within " + TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos)
                            + " ms", null))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
