package dev.authsidecar.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket application (Netty's server-side handshake and framing) on an ephemeral port:
 * <ul>
 *   <li>{@code /ws}: echoes every text and binary message (subprotocol {@code chat} offered)</li>
 *   <li>{@code /ws/stalled}: completes the handshake, then never reads again (to test backpressure)</li>
 *   <li>{@code /ws/pushes}: sends {@code hello} right after the handshake, before the client says anything</li>
 *   <li>any other upgrade: {@code 403} with a small body (an application refusing the upgrade)</li>
 *   <li>a request without {@code Upgrade}: {@code 200 plain <path>}</li>
 * </ul>
 * It records the handshake request headers and counts connections. Its buffers are unpooled heap buffers,
 * so that Netty's pooled direct memory in the same JVM is the sidecar's alone.
 */
public final class WebSocketUpstream implements AutoCloseable {
    private static final int MAX_MESSAGE = 80 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final CopyOnWriteArrayList<HttpHeaders> handshakes = new CopyOnWriteArrayList<>();
    private final Channel listener;
    /** Non-null: the application speaks TLS only (an https:// upstream). */
    private final io.netty.handler.ssl.SslContext tls;

    public WebSocketUpstream() throws InterruptedException {
        this(null);
    }

    /** @param tls the application's server context: it then speaks TLS only, and {@link #url()} is https:// */
    public WebSocketUpstream(io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        this.tls = tls;
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOCATOR, new UnpooledByteBufAllocator(false))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Route());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    public String url() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:"
                + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Connections ever accepted. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** The handshake requests' headers, as the application received them. */
    public java.util.List<HttpHeaders> handshakes() {
        return handshakes;
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Picks the behaviour by path, then hands the handshake to Netty's WebSocket server handler. */
    private final class Route extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                ctx.fireChannelRead(msg);
                return;
            }
            handshakes.add(request.headers().copy());
            String path = request.uri();
            if (!request.headers().contains(HttpHeaderNames.UPGRADE)) {
                request.release();
                DefaultFullHttpResponse plain = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK,
                        ctx.alloc().buffer().writeBytes(("plain " + path).getBytes()));
                plain.headers()
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, plain.content().readableBytes());
                ctx.writeAndFlush(plain);
                return;
            }
            if (!path.startsWith("/ws")) {
                request.release();
                DefaultFullHttpResponse refused = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.FORBIDDEN,
                        ctx.alloc().buffer().writeBytes("no websocket here".getBytes()));
                refused.headers()
                        .setInt(
                                HttpHeaderNames.CONTENT_LENGTH,
                                refused.content().readableBytes());
                ctx.writeAndFlush(refused);
                return;
            }
            WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(path)
                    .subprotocols("chat")
                    .checkStartsWith(false)
                    .maxFramePayloadLength(MAX_MESSAGE)
                    .handleCloseFrames(true)
                    .dropPongFrames(true)
                    .build();
            ctx.pipeline().addLast(new WebSocketServerProtocolHandler(config));
            switch (path) {
                case "/ws/stalled" -> ctx.pipeline().addLast(new Stall());
                case "/ws/pushes" -> ctx.pipeline().addLast(new Push(), new Echo());
                default -> ctx.pipeline().addLast(new Echo());
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        }
    }

    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        Echo() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(frame);
            } else {
                frame.release();
            }
        }
    }

    /** After the handshake: stop reading, so the sidecar's writes to this connection back up. */
    private static final class Stall extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.channel().config().setAutoRead(false);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private static final class Push extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.writeAndFlush(new TextWebSocketFrame("hello"))
                        .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
