package dev.authsidecar.forward;

import dev.authsidecar.config.UpstreamConfig;
import dev.authsidecar.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections to the application ({@code upstream.protocol: h2c}), per event loop like the HTTP/1.1 pool:
 * one multiplexed connection, and another only while every open one has reached the application's
 * SETTINGS_MAX_CONCURRENT_STREAMS, up to {@link #MAX_CONNECTIONS_PER_LOOP}. A connection that received GOAWAY
 * takes no new stream: its streams in flight finish, new ones go to a new connection. Each exchange gets a
 * stream of its own, a child channel that looks to {@link Exchange} like an HTTP/1.1 connection: HTTP objects
 * in and out, reads on demand ({@code AUTO_READ} off), writability from the stream's flow-control window.
 */
final class H2cConnections {
    static final int MAX_CONNECTIONS_PER_LOOP = 4;
    /**
     * The connection window towards the application. Each stream's own window (64 KiB) bounds what the sidecar
     * holds for a slow client; the connection window only has to be large enough never to bind before them, so
     * one slow stream cannot stall its siblings.
     */
    static final int CONNECTION_WINDOW = 64 << 20;

    private static final int DEFAULT_WINDOW = 65_535;

    private final UpstreamPool pool;
    private final Bootstrap bootstrap;
    private final long idleMillis;
    private final FastThreadLocal<List<Connection>> connections = new FastThreadLocal<>() {
        @Override
        protected List<Connection> initialValue() {
            return new ArrayList<>(2);
        }
    };

    H2cConnections(UpstreamPool pool, UpstreamConfig config, Transport transport) {
        this.pool = pool;
        this.idleMillis = config.idleTimeout().toMillis();
        this.bootstrap = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (pool.tls() != null) {
                            // upstream.protocol h2: HTTP/2 over TLS. The HTTP/2 handlers come once ALPN has chosen
                            // h2 (UpstreamPool.connect), so not even the connection preface reaches an application
                            // that did not agree to HTTP/2.
                            ch.pipeline().addLast("tls", pool.tls().newHandler(ch.alloc()));
                        } else {
                            addHttp2(ch, idleMillis);
                        }
                    }
                });
    }

    private static void addHttp2(Channel ch, long idleMillis) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                .validateHeaders(true)
                .build();
        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("h2", codec);
        // The application cannot open streams towards the sidecar (push is off).
        ch.pipeline().addLast("streams", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        ch.pipeline().addLast("connection", new ConnectionHandler(codec));
    }

    /** A new stream to the application, on the calling event loop's connection. */
    Future<Channel> openStream(EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        List<Connection> list = connections.get();
        list.removeIf(Connection::isDead);
        Connection target = null;
        for (Connection c : list) {
            if (c.canOpenStream()) {
                target = c;
                break;
            }
        }
        if (target == null) {
            for (Connection c : list) {
                if (c.isConnecting()) {
                    target = c;
                    break;
                }
            }
        }
        if (target == null && list.size() >= MAX_CONNECTIONS_PER_LOOP) {
            // Every connection is at the application's stream limit: the stream is refused there (a 502), which
            // is better than opening connections without bound.
            target = list.get(0);
        }
        if (target == null) {
            target = new Connection(pool.connect(bootstrap, loop, ch -> {
                if (pool.tls() != null) {
                    addHttp2(ch, idleMillis);
                }
            }));
            list.add(target);
        }
        target.open(promise);
        return promise;
    }

    private final class Connection {
        private final Future<Channel> connected;

        Connection(Future<Channel> connected) {
            this.connected = connected;
        }

        boolean isConnecting() {
            return !connected.isDone();
        }

        boolean isDead() {
            if (!connected.isDone()) {
                return false;
            }
            if (!connected.isSuccess()) {
                return true;
            }
            Channel ch = connected.getNow();
            return !ch.isActive() || codec(ch).connection().goAwayReceived();
        }

        boolean canOpenStream() {
            return connected.isDone()
                    && !isDead()
                    && codec(connected.getNow()).connection().local().canOpenStream();
        }

        void open(Promise<Channel> promise) {
            if (connected.isDone()) {
                openNow(promise);
            } else {
                connected.addListener(f -> openNow(promise));
            }
        }

        private void openNow(Promise<Channel> promise) {
            if (!connected.isSuccess()) {
                promise.tryFailure(connected.cause());
                return;
            }
            new Http2StreamChannelBootstrap(connected.getNow())
                    .handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.config().setAutoRead(false);
                            ch.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(false, true));
                            ch.pipeline().addLast("h2c", new H2cStreamAdapter());
                            ch.pipeline().addLast("backend", new BackendHandler(pool));
                        }
                    })
                    .open()
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            Channel stream = (Channel) f.getNow();
                            if (!promise.trySuccess(stream)) {
                                stream.close();
                            }
                        } else {
                            promise.tryFailure(f.cause());
                        }
                    });
        }
    }

    private static Http2FrameCodec codec(Channel ch) {
        return ch.pipeline().get(Http2FrameCodec.class);
    }

    /** The connection itself: its window, its idle timeout. */
    private static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionHandler(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Http2Exception {
            widenWindow(ctx);
            ctx.fireChannelActive();
        }

        /** Over TLS the handlers are added to a connection that is already active. */
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
            if (ctx.channel().isActive()) {
                widenWindow(ctx);
            }
        }

        private void widenWindow(ChannelHandlerContext ctx) throws Http2Exception {
            Http2Connection c = codec.connection();
            c.local().flowController().incrementWindowSize(c.connectionStream(), CONNECTION_WINDOW - DEFAULT_WINDOW);
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The codec answers protocol errors itself (GOAWAY with their code); the streams learn of a broken
            // connection when it closes.
            if (!(cause instanceof Http2Exception)) {
                ctx.close();
            }
        }
    }

    static boolean isStream(Channel ch) {
        return ch instanceof Http2StreamChannel;
    }
}
