package dev.authsidecar.forward;

import dev.authsidecar.config.UpstreamConfig;
import dev.authsidecar.net.StrictHeadersFactory;
import dev.authsidecar.net.Transport;
import dev.authsidecar.tls.UpstreamTls;
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
import java.util.function.Consumer;

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
    /** With an https:// url: every connection, pooled, tunnel or HTTP/2, is TLS first. */
    private final UpstreamTls tls;

    private final FastThreadLocal<ArrayDeque<Channel>> idle = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    /** @param tls the TLS to the application, {@code null} for an http:// url */
    public UpstreamPool(UpstreamConfig config, InetSocketAddress resolved, Transport transport, UpstreamTls tls) {
        this.address = resolved;
        this.tls = tls;
        this.maxIdlePerThread = config.maxIdlePerThread();
        this.idleTimeoutMillis = config.idleTimeout().toMillis();
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536)
                .setMaxChunkSize(65536)
                .setValidateHeaders(true)
                .setHeadersFactory(StrictHeadersFactory.INSTANCE);
        this.bootstrap = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                // A tunnel passes a FIN on as a FIN; HTTP connections close on one (BackendHandler).
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec(decoder, false, false));
                        ch.pipeline().addLast("backend", new BackendHandler(UpstreamPool.this));
                    }
                });
        this.h2c = config.http2() ? new H2cConnections(this, config, transport) : null;
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
        return connect(bootstrap, loop, ch -> {});
    }

    /**
     * A connection of {@code bootstrap}, ready for HTTP: connected and, with TLS, past its handshake. The handshake
     * happens once per connection, so a pooled connection pays it once for all the requests it carries.
     */
    /** @param ready completes the pipeline once the connection can carry the protocol, before it is handed out */
    Future<Channel> connect(Bootstrap bootstrap, EventLoop loop, Consumer<Channel> ready) {
        Promise<Channel> promise = loop.newPromise();
        ChannelFuture connecting = bootstrap.clone(loop).connect(address);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel ch = connecting.channel();
            if (tls == null) {
                complete(promise, ch, ready);
                return;
            }
            // AUTO_READ is off on these connections; the handshake needs reads of its own.
            ch.read();
            tls.secured(ch).addListener((Future<Channel> secured) -> {
                if (secured.isSuccess()) {
                    complete(promise, ch, ready);
                } else {
                    promise.tryFailure(secured.cause());
                }
            });
        });
        return promise;
    }

    private static void complete(Promise<Channel> promise, Channel ch, Consumer<Channel> ready) {
        if (promise.isDone()) {
            ch.close();
            return;
        }
        ready.accept(ch);
        if (!promise.trySuccess(ch)) {
            ch.close();
        }
    }

    /** The TLS of every connection to the application, or {@code null} over cleartext. */
    UpstreamTls tls() {
        return tls;
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
