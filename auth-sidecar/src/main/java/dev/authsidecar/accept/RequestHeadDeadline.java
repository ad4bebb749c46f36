package dev.authsidecar.accept;

import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.ProblemResponses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private LazyDeadline deadline;

    public RequestHeadDeadline(long headTimeoutMillis, long idleTimeoutMillis) {
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.deadline = new LazyDeadline(ctx.executor(), Math.min(headTimeoutNanos, idleTimeoutNanos), this::expire);
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
        deadline.cancel();
        ctx.fireChannelInactive();
    }

    /** The head is complete; the exchange has its own timeouts. */
    public void headReceived() {
        phase = Phase.EXCHANGE;
        deadline.clear();
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

    private void enter(Phase next, long timeoutNanos) {
        phase = next;
        deadline.set(timeoutNanos);
    }

    private void expire() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (phase == Phase.READING_HEAD) {
            // Written from the channel's tail so that it passes through the HTTP encoder.
            ctx.channel().writeAndFlush(ProblemResponses.of(Failure.REQUEST_HEAD_TIMEOUT,
                    "the request head was not received within " + TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos)
                            + " ms", null))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (phase == Phase.IDLE) {
            ctx.close();
        }
    }
}
