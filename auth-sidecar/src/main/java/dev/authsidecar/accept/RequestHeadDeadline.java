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

    private final long headTimeoutMillis;
    private final long idleTimeoutMillis;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private ScheduledFuture<?> timer;

    public RequestHeadDeadline(long headTimeoutMillis, long idleTimeoutMillis) {
        this.headTimeoutMillis = headTimeoutMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(Phase.IDLE, idleTimeoutMillis);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
            arm(Phase.READING_HEAD, headTimeoutMillis);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    /** The head is complete; the exchange has its own timeouts. */
    public void headReceived() {
        cancel();
        phase = Phase.EXCHANGE;
    }

    /** The response is complete and the connection stays open for the next request. */
    public void awaitNextRequest() {
        if (phase != Phase.IDLE) {
            arm(Phase.IDLE, idleTimeoutMillis);
        }
    }

    /** No request is under way, not even partly received. */
    public boolean isIdle() {
        return phase == Phase.IDLE;
    }

    private void arm(Phase next, long millis) {
        cancel();
        phase = next;
        timer = ctx.executor().schedule(() -> expire(next), millis, TimeUnit.MILLISECONDS);
    }

    private void expire(Phase armedFor) {
        if (phase != armedFor || !ctx.channel().isActive()) {
            return;
        }
        if (phase == Phase.READING_HEAD) {
            // Written from the channel's tail so that it passes through the HTTP encoder.
            ctx.channel().writeAndFlush(ProblemResponses.of(Failure.REQUEST_HEAD_TIMEOUT,
                    "the request head was not received within " + headTimeoutMillis + " ms", null))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
