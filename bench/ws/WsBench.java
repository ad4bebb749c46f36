import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket benchmark's two ends, on Netty (run with the sidecar's jar on the class path; see bench/ws-run.sh):
 *
 *   echo PORT                                   a WebSocket echo application on 127.0.0.1:PORT, path /ws
 *   load URL CONNECTIONS SECONDS BYTES [TOKEN]  CONNECTIONS clients, each with one message of BYTES in flight
 *                                               (send, wait for the echo, send again) for SECONDS; prints
 *                                               "messages N seconds S"
 *   hold URL CONNECTIONS [TOKEN]                opens CONNECTIONS WebSockets, prints "open N", keeps them open
 *                                               until stdin closes
 */
public final class WsBench {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "echo" -> echo(Integer.parseInt(args[1]));
            case "load" -> load(URI.create(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), args.length > 5 ? args[5] : null);
            case "hold" -> hold(URI.create(args[1]), Integer.parseInt(args[2]), args.length > 3 ? args[3] : null);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void echo(int port) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws", null, false, 16 << 20),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                                            ctx.writeAndFlush(msg);
                                        } else {
                                            io.netty.util.ReferenceCountUtil.release(msg);
                                        }
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("echo listening on " + port);
        Thread.currentThread().join();
    }

    private static Bootstrap client(EventLoopGroup group, URI uri, String token, ChannelInboundHandlerAdapter app) {
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        if (token != null) {
            headers.set("Authorization", "Bearer " + token);
        }
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
                .customHeaders(headers).maxFramePayloadLength(16 << 20).handshakeTimeoutMillis(30_000)
                .build();
        return new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(config), app);
                    }
                });
    }

    private static void load(URI uri, int connections, int seconds, int bytes, String token) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes).writeZero(bytes));
        AtomicLong received = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(connections);
        long[] window = new long[2];
        java.util.List<Channel> channels = new java.util.ArrayList<>();
        for (int i = 0; i < connections; i++) {
            channels.add(client(group, uri, token, new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                        ready.countDown();
                    }
                    ctx.fireUserEventTriggered(evt);
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof WebSocketFrame frame) {
                        frame.release();
                        received.incrementAndGet();
                        if (System.nanoTime() < window[1]) {
                            ctx.writeAndFlush(new BinaryWebSocketFrame(payload.duplicate()));
                        }
                    }
                }
            }).connect(uri.getHost(), uri.getPort()).sync().channel());
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("handshakes did not complete");
        }
        long start = System.nanoTime();
        window[0] = start;
        window[1] = start + TimeUnit.SECONDS.toNanos(seconds);
        for (Channel ch : channels) {
            ch.eventLoop().execute(() -> ch.writeAndFlush(new BinaryWebSocketFrame(payload.duplicate())));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds) + 500);
        double took = (System.nanoTime() - start) / 1e9;
        System.out.printf("messages %d seconds %.3f%n", received.get(), Math.min(took, seconds));
        for (Channel ch : channels) {
            ch.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static void hold(URI uri, int connections, String token) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        CountDownLatch ready = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            client(group, uri, token, new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                        ready.countDown();
                    }
                    ctx.fireUserEventTriggered(evt);
                }
            }).connect(uri.getHost(), uri.getPort()).sync();
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("handshakes did not complete: " + ready.getCount() + " missing");
        }
        System.out.println("open " + connections);
        System.out.flush();
        while (System.in.read() != -1) {
            // hold until stdin closes
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
