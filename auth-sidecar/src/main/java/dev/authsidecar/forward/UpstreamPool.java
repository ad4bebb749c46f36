package dev.authsidecar.forward;

import dev.authsidecar.net.Transport;
import dev.authsidecar.config.UpstreamConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * Keep-alive connections to the application, one idle list per event loop. A downstream connection only ever
 * takes upstream connections of its own event loop, so the lists need no locks and a request never hops
 * threads.
 */
public final class UpstreamPool {
    private final InetSocketAddress address;
    private final Bootstrap bootstrap;
    private final int maxIdlePerThread;
    private final long idleTimeoutMillis;
    /** With {@code upstream.protocol: h2c}: streams on multiplexed connections instead of pooled ones. */
    private final H2cConnections h2c;
    private final FastThreadLocal<ArrayDeque<Channel>> idle = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    public UpstreamPool(UpstreamConfig config, InetSocketAddress resolved, Transport transport) {
        this.address = resolved;
        this.maxIdlePerThread = config.maxIdlePerThread();
        this.idleTimeoutMillis = config.idleTimeout().toMillis();
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536)
                .setMaxChunkSize(65536)
                .setValidateHeaders(true);
        this.bootstrap = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                // A tunnel passes a FIN on as a FIN; HTTP connections close on one (BackendHandler).
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("http", new HttpClientCodec(decoder, false, false));
                        ch.pipeline().addLast("backend", new BackendHandler(UpstreamPool.this));
                    }
                });
        this.h2c = config.protocol() == UpstreamConfig.Protocol.H2C
                ? new H2cConnections(this, config, resolved, transport) : null;
    }

    /** Whether the application is spoken to in HTTP/2 (needed for gRPC: trailers, full duplex). */
    public boolean speaksHttp2() {
        return h2c != null;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** An idle, open connection owned by {@code loop}, or {@code null}. Call on {@code loop}. */
    Channel pollIdle() {
        ArrayDeque<Channel> list = idle.get();
        Channel ch;
        while ((ch = list.pollLast()) != null) {
            BackendHandler backend = BackendHandler.of(ch);
            backend.leavePool();
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** A fresh connection, or with h2c a fresh stream, owned by {@code loop}. */
    Future<Channel> connect(EventLoop loop) {
        if (h2c != null) {
            return h2c.openStream(loop);
        }
        Promise<Channel> promise = loop.newPromise();
        ChannelFuture connecting = bootstrap.clone(loop).connect(address);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            } else if (!promise.trySuccess(connecting.channel())) {
                connecting.channel().close();
            }
        });
        return promise;
    }

    /** Takes back a connection whose last response was complete; closes it when the pool is full. */
    void release(Channel ch) {
        if (H2cConnections.isStream(ch)) {
            // A stream carries one exchange; its connection stays for the next.
            ch.close();
            return;
        }
        ArrayDeque<Channel> list = idle.get();
        if (!ch.isActive() || list.size() >= maxIdlePerThread) {
            ch.close();
            return;
        }
        BackendHandler.of(ch).enterPool(idleTimeoutMillis);
        list.addLast(ch);
        // Keep reading while idle, so that the application closing the connection is noticed at once.
        ch.read();
    }

    void forget(Channel ch) {
        idle.get().remove(ch);
    }
}
