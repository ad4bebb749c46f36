package dev.authsidecar.accept;

import dev.authsidecar.config.ServerConfig;
import dev.authsidecar.net.Drain;
import dev.authsidecar.net.Transport;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/** The proxy listener and the set of client connections it accepted, for draining at shutdown. */
public final class ProxyServer {
    private final Channel listener;
    private final ChannelGroup connections;

    private ProxyServer(Channel listener, ChannelGroup connections) {
        this.listener = listener;
        this.connections = connections;
    }

    /**
     * @param group runs both the accept loop and the connections: one thread per core, nothing else
     * @param tls the listener's TLS, or {@code null} for cleartext
     */
    public static ProxyServer bind(
            ServerConfig config,
            Supplier<Stages> stages,
            EventLoopGroup group,
            Transport transport,
            Recorder recorder,
            ServerTls tls)
            throws InterruptedException {
        ChannelGroup connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        ProxyChannelInitializer initializer = new ProxyChannelInitializer(config, stages, connections, recorder, tls);
        CounterWithCallback.builder()
                .name("auth_sidecar_connections_refused_total")
                .help("Client connections closed on accept because server.maxConnections were open")
                .callback(cb -> cb.call(initializer.refusedConnections()))
                .register(recorder.metrics().registry());
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client that sends its request and then shuts its sending side still gets the answer, and a
                // tunnel passes a FIN on as a FIN (FrontendHandler and Tunnel handle the input shutdown).
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(initializer)
                .bind(config.listen().toSocketAddress())
                .sync()
                .channel();
        return new ProxyServer(ch, connections);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    public boolean isListening() {
        return listener.isActive();
    }

    public int openConnections() {
        return connections.size();
    }

    public void stopAccepting() {
        listener.close().syncUninterruptibly();
    }

    /** Closes idle connections now; the others close after their current response. */
    public void drainConnections() {
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(Drain.INSTANCE));
        }
    }

    /** @return whether every client connection closed in time */
    public boolean awaitConnectionsClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return connections.isEmpty();
    }

    public void closeAllConnections() {
        connections.close().awaitUninterruptibly();
    }
}
