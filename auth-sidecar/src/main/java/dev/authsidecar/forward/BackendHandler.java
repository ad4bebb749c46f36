package dev.authsidecar.forward;

import dev.authsidecar.net.LazyDeadline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * The upstream end of one pooled connection. Hands every event to the {@link Exchange} using the connection;
 * while the connection sits in the pool, anything the application sends is unexpected and closes it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<BackendHandler> KEY = AttributeKey.valueOf(BackendHandler.class, "backend");
    private final UpstreamPool pool;
    /** Timers are re-armed lazily; this only bounds how long an unused timer lingers. */
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum Waiting {
        NOTHING,
        RESPONSE,
        IDLE_IN_POOL
    }

    private Exchange exchange;
    private Channel channel;
    private Waiting waiting = Waiting.NOTHING;
    private LazyDeadline deadline;

    BackendHandler(UpstreamPool pool) {
        this.pool = pool;
    }

    /** Kept as an attribute, not looked up in the pipeline: a closed channel's pipeline is emptied. */
    static BackendHandler of(Channel ch) {
        return ch.attr(KEY).get();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.attr(KEY).set(this);
        deadline = new LazyDeadline(ctx.executor(), TICK_NANOS, this::expire);
    }

    void attach(Exchange e) {
        exchange = e;
    }

    void detach() {
        exchange = null;
        stopWaiting(Waiting.RESPONSE);
    }

    /** The request is sent: the response head must start within the timeout, else the exchange is told. */
    void expectResponseWithin(long millis) {
        waiting = Waiting.RESPONSE;
        deadline.set(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    void responseStarted() {
        stopWaiting(Waiting.RESPONSE);
    }

    /** Back in the pool: closed if nobody takes it within the idle timeout. */
    void enterPool(long idleMillis) {
        waiting = Waiting.IDLE_IN_POOL;
        deadline.set(TimeUnit.MILLISECONDS.toNanos(idleMillis));
    }

    void leavePool() {
        stopWaiting(Waiting.IDLE_IN_POOL);
    }

    private void stopWaiting(Waiting what) {
        if (waiting == what) {
            waiting = Waiting.NOTHING;
            deadline.clear();
        }
    }

    private void expire() {
        Waiting was = waiting;
        waiting = Waiting.NOTHING;
        if (was == Waiting.RESPONSE && exchange != null) {
            exchange.onResponseTimeout();
        } else if (was == Waiting.IDLE_IN_POOL) {
            pool.forget(channel);
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange != null) {
            exchange.onUpstreamMessage((HttpObject) msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.onUpstreamWritable();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // Half-closure is allowed for tunnels; an HTTP connection whose application stopped sending is done.
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Replaced by a {@link Tunnel}: no timer of this handler may fire any more. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel();
        if (exchange != null) {
            exchange.onUpstreamClosed(null);
        } else {
            leavePool();
            pool.forget(ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            exchange.onUpstreamClosed(cause);
        }
        ctx.close();
    }
}
