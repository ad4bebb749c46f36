package dev.authsidecar.admin;

import dev.authsidecar.config.AdminConfig;
import dev.authsidecar.net.Transport;
import dev.authsidecar.record.Metrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.List;

/** The admin listener, on its own single event loop so that probes answer even when the proxy is saturated. */
public final class AdminServer {
    private final Channel listener;

    private AdminServer(Channel listener) {
        this.listener = listener;
    }

    /** @param upstreams every application endpoint {@code /readyz} checks ({@code upstream.url}, {@code upstream.grpc.url}) */
    public static AdminServer bind(
            AdminConfig config,
            Readiness readiness,
            List<InetSocketAddress> upstreams,
            EventLoopGroup group,
            Transport transport,
            Metrics metrics)
            throws InterruptedException {
        Bootstrap probe = new Bootstrap().channel(transport.socketChannel()).handler(new ProbeHandler());
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(new ReadTimeoutHandler(30));
                        c.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192));
                        c.pipeline().addLast(new HttpObjectAggregator(8192));
                        c.pipeline().addLast(new AdminHandler(readiness, probe, upstreams, metrics));
                    }
                })
                .bind(config.listen().toSocketAddress())
                .sync()
                .channel();
        return new AdminServer(ch);
    }

    /** The readiness probe only connects and closes; one instance serves every probe connection. */
    @ChannelHandler.Sharable
    private static final class ProbeHandler extends ChannelInboundHandlerAdapter {}

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    public void close() {
        listener.close().syncUninterruptibly();
    }
}
