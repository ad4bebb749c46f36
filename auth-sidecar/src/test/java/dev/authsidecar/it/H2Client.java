package dev.authsidecar.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/2 client with prior knowledge (no upgrade): Netty's frame codec and one child channel per
 * stream, each request and response as HTTP objects. Responses are aggregated, which is fine for tests.
 */
public final class H2Client implements AutoCloseable {
    /** One response, or the reset that ended its stream instead. */
    public record Response(int status, HttpHeaders headers, String body, HttpHeaders trailers, String reset) {
        public byte[] bodyBytes() {
            return body.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel parent;
    private volatile Http2GoAwayFrame goAway;

    public H2Client(int port) throws InterruptedException {
        parent = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forClient()
                                        .initialSettings(
                                                Http2Settings.defaultSettings().initialWindowSize(1 << 20))
                                        .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame g) {
                                    goAway = g.retainedDuplicate();
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                })
                .connect("127.0.0.1", port)
                .sync()
                .channel();
        // A large connection window, so that one stream the test leaves unread cannot stall the others here.
        parent.writeAndFlush(new DefaultHttp2WindowUpdateFrame(64 << 20)).sync();
    }

    /** A stream whose response is not read until {@link #resume}: its window stays closed meanwhile. */
    public final class StalledStream {
        private final CompletableFuture<Long> bytes = new CompletableFuture<>();
        private final CompletableFuture<Integer> status = new CompletableFuture<>();
        private volatile Channel channel;

        public void resume() {
            channel.eventLoop().execute(() -> {
                channel.config().setAutoRead(true);
                channel.read();
            });
        }

        public CompletableFuture<Long> bytes() {
            return bytes;
        }

        public CompletableFuture<Integer> status() {
            return status;
        }
    }

    public StalledStream sendStalled(FullHttpRequest request) {
        StalledStream s = new StalledStream();
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.config().setAutoRead(false);
                        ch.pipeline()
                                .addLast(
                                        new Http2StreamFrameToHttpObjectCodec(false),
                                        new ChannelInboundHandlerAdapter() {
                                            private long n;

                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                if (msg instanceof io.netty.handler.codec.http.HttpResponse r) {
                                                    s.status.complete(r.status().code());
                                                }
                                                if (msg instanceof io.netty.handler.codec.http.HttpContent c) {
                                                    n += c.content().readableBytes();
                                                    if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
                                                        s.bytes.complete(n);
                                                    }
                                                }
                                                ReferenceCountUtil.release(msg);
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                s.bytes.completeExceptionally(
                                                        new IllegalStateException("stream closed after " + n));
                                            }
                                        });
                    }
                })
                .open()
                .addListener(f -> {
                    s.channel = (Channel) f.getNow();
                    s.channel.writeAndFlush(request);
                });
        return s;
    }

    public Channel connection() {
        return parent;
    }

    public Http2GoAwayFrame goAway() {
        return goAway;
    }

    public static FullHttpRequest request(HttpMethod method, String path, String... headers) {
        return request(method, path, Unpooled.EMPTY_BUFFER, headers);
    }

    public static FullHttpRequest request(HttpMethod method, String path, ByteBuf body, String... headers) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, body);
        r.headers().set(HttpHeaderNames.HOST, "sidecar.test");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        if (body.isReadable()) {
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        return r;
    }

    public CompletableFuture<Response> send(FullHttpRequest request) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(64 << 20),
                                        new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                if (msg instanceof FullHttpResponse r) {
                                                    result.complete(new Response(
                                                            r.status().code(),
                                                            r.headers().copy(),
                                                            r.content().toString(StandardCharsets.ISO_8859_1),
                                                            r.trailingHeaders().copy(),
                                                            null));
                                                }
                                                ReferenceCountUtil.release(msg);
                                            }

                                            @Override
                                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                                if (evt instanceof Http2ResetFrame reset) {
                                                    result.complete(new Response(
                                                            0,
                                                            new DefaultHttpHeaders(),
                                                            "",
                                                            new DefaultHttpHeaders(),
                                                            "RST_STREAM " + reset.errorCode()));
                                                }
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                result.completeExceptionally(
                                                        new IllegalStateException("stream closed"));
                                            }

                                            @Override
                                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                                result.completeExceptionally(cause);
                                                ctx.close();
                                            }
                                        });
                    }
                })
                .open()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        ((Channel) f.getNow()).writeAndFlush(request);
                    } else {
                        ReferenceCountUtil.release(request);
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    public Response get(String path, String... headers) throws Exception {
        return send(request(HttpMethod.GET, path, headers)).get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        parent.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
