package dev.authsidecar.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/2-only application (prior knowledge, no HTTP/1.1 at all), on an ephemeral port:
 * <ul>
 *   <li>{@code /grpc.Echo/…}: a gRPC-shaped answer: headers, the request body back as DATA, then trailers
 *       {@code grpc-status: 0} and {@code x-trailer: yes}</li>
 *   <li>{@code /grpc.Fail/…}: a trailers-only answer, {@code grpc-status: 5}</li>
 *   <li>{@code /slow?ms=N}: the echo after N ms</li>
 *   <li>{@code /goaway}: the echo, then GOAWAY on its connection</li>
 *   <li>anything else: 200 and the request's headers as {@code name: value} lines</li>
 * </ul>
 */
public final class H2cTestUpstream implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final Channel listener;
    /** Non-null: HTTP/2 over TLS (ALPN h2) instead of prior knowledge. */
    private final io.netty.handler.ssl.SslContext tls;

    public H2cTestUpstream(int maxConcurrentStreams) throws InterruptedException {
        this(maxConcurrentStreams, null);
    }

    /** @param tls a server context whose ALPN offers h2: the application then speaks HTTP/2 over TLS only */
    public H2cTestUpstream(int maxConcurrentStreams, io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        this.tls = tls;
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings()
                                                .maxConcurrentStreams(maxConcurrentStreams))
                                        .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel s) {
                                streams.incrementAndGet();
                                s.pipeline()
                                        .addLast(
                                                new Http2StreamFrameToHttpObjectCodec(true),
                                                new HttpObjectAggregator(16 << 20),
                                                new Handler());
                            }
                        }));
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

    public int connections() {
        return connections.get();
    }

    public int streams() {
        return streams.get();
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FullHttpRequest req = (FullHttpRequest) msg;
            try {
                QueryStringDecoder q = new QueryStringDecoder(req.uri());
                String path = q.path();
                if (path.startsWith("/grpc.Echo/")) {
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set("content-type", "application/grpc");
                    head.headers().set("x-seen-te", String.valueOf(req.headers().get("te")));
                    head.headers()
                            .set("x-seen-subject", String.valueOf(req.headers().get("x-auth-subject")));
                    ctx.write(head);
                    ctx.write(new DefaultHttpContent(req.content().retain()));
                    LastHttpContent end = new DefaultLastHttpContent();
                    end.trailingHeaders().set("grpc-status", "0").set("x-trailer", "yes");
                    ctx.writeAndFlush(end);
                } else if (path.startsWith("/grpc.Fail/")) {
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers()
                            .set("content-type", "application/grpc")
                            .set("grpc-status", "5")
                            .set("grpc-message", "not%20found");
                    ctx.writeAndFlush(r);
                } else if (path.equals("/slow")) {
                    long ms = Long.parseLong(q.parameters().get("ms").get(0));
                    FullHttpResponse r = echo(req);
                    ctx.executor().schedule(() -> ctx.writeAndFlush(r), ms, TimeUnit.MILLISECONDS);
                } else if (path.equals("/goaway")) {
                    ctx.writeAndFlush(echo(req))
                            .addListener(f -> ctx.channel()
                                    .parent()
                                    .writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)));
                } else {
                    ctx.writeAndFlush(echo(req));
                }
            } finally {
                req.release();
            }
        }

        private static FullHttpResponse echo(FullHttpRequest req) {
            Map<String, String> seen = new TreeMap<>();
            // (x-http2-* are this application's own codec's bookkeeping, not something the sidecar sent.)
            req.headers().forEach(e -> seen.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "," + b));
            StringBuilder sb = new StringBuilder("uri: ").append(req.uri()).append('\n');
            seen.keySet().removeIf(k -> k.startsWith("x-http2-"));
            seen.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(sb, StandardCharsets.UTF_8));
            r.headers()
                    .set("content-type", "text/plain")
                    .setInt("content-length", r.content().readableBytes());
            return r;
        }
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
