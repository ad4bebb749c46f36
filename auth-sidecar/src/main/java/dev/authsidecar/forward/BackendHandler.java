package dev.authsidecar.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;

/**
 * The upstream end of one pooled connection. Hands every event to the {@link Exchange} using the connection;
 * while the connection sits in the pool, anything the application sends is unexpected and closes it.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<BackendHandler> KEY = AttributeKey.valueOf(BackendHandler.class, "backend");
    private final UpstreamPool pool;
    private Exchange exchange;
    private ScheduledFuture<?> idleClose;

    BackendHandler(UpstreamPool pool) {
        this.pool = pool;
    }

    /** Kept as an attribute, not looked up in the pipeline: a closed channel's pipeline is emptied. */
    static BackendHandler of(Channel ch) {
        return ch.attr(KEY).get();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().attr(KEY).set(this);
    }

    void attach(Exchange e) {
        exchange = e;
    }

    void detach() {
        exchange = null;
    }

    void enterPool(ScheduledFuture<?> closeWhenIdle) {
        idleClose = closeWhenIdle;
    }

    void leavePool() {
        if (idleClose != null) {
            idleClose.cancel(false);
            idleClose = null;
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
    public void channelInactive(ChannelHandlerContext ctx) {
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
