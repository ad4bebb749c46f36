package dev.authsidecar.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authsidecar.testing.ClassFixture;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * A real HTTP/1.1 application for the sidecar to front, on an ephemeral port:
 * <ul>
 *   <li>{@code /echo…} (and anything else): 200 with the request's method, uri and headers as JSON</li>
 *   <li>{@code /upload}: reads the body as it streams, answers its length and CRC32</li>
 *   <li>{@code /download?bytes=N}: streams N deterministic bytes, chunked, with backpressure</li>
 *   <li>{@code /slow?ms=N}: answers after N ms</li>
 *   <li>{@code /hangup}: closes the connection without answering</li>
 *   <li>{@code /events?n=N&ms=M}: a server-sent event stream, one event every M ms, N events, then the end</li>
 * </ul>
 * It counts the connections it accepts, so tests can see pooling.
 */
public final class TestUpstream implements ClassFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedConnections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong produced = new java.util.concurrent.atomic.AtomicLong();
    private final CopyOnWriteArrayList<HttpRequest> seen = new CopyOnWriteArrayList<>();
    private volatile Channel listener;
    /** Non-null: the application speaks TLS only (an https:// upstream). */
    private final io.netty.handler.ssl.SslContext tls;

    public TestUpstream() throws InterruptedException {
        this(null);
    }

    /** @param tls the application's server context: it then speaks TLS only, and {@link #url()} is https:// */
    public TestUpstream(io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        this.tls = tls;
        open();
    }

    private TestUpstream(boolean unopened) {
        this.tls = null;
    }

    /** Opened before the test class's first test, closed after its last ({@code @RegisterExtension}). */
    public static TestUpstream forClass() {
        return new TestUpstream(false);
    }

    @Override
    public synchronized void open() throws InterruptedException {
        if (listener != null) {
            return;
        }
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new ChunkedWriteHandler(), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    /** Opens the upstream first if it is a fixture not opened yet: another fixture may need the address sooner. */
    public int port() {
        if (listener == null) {
            try {
                open();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public String url() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + port();
    }

    public int connections() {
        return connections.get();
    }

    public int closedConnections() {
        return closedConnections.get();
    }

    /** Bytes of /download bodies generated so far: with backpressure, only as fast as they are taken. */
    public long downloadBytesProduced() {
        return produced.get();
    }

    public int requests() {
        return requests.get();
    }

    /** The requests as the application received them, in order. */
    public java.util.List<HttpRequest> seen() {
        return seen;
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The same bytes a test client can generate to check what arrived. */
    public static byte patternByte(long i) {
        return (byte) (i * 31 + (i >>> 8));
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private long uploaded;
        private final CRC32 crc = new CRC32();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                request = r;
                uploaded = 0;
                crc.reset();
                requests.incrementAndGet();
                seen.add(r);
            }
            if (msg instanceof HttpContent c) {
                ByteBuf b = c.content();
                uploaded += b.readableBytes();
                if (b.hasArray()) {
                    crc.update(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
                } else {
                    crc.update(b.nioBuffer());
                }
                c.release();
                if (c instanceof LastHttpContent) {
                    respond(ctx);
                }
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            QueryStringDecoder q = new QueryStringDecoder(request.uri());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            switch (q.path()) {
                case "/upload" ->
                    json(ctx, JSON.createObjectNode().put("bytes", uploaded).put("crc32", crc.getValue()), keepAlive);
                case "/download" ->
                    download(ctx, Long.parseLong(q.parameters().get("bytes").get(0)));
                case "/slow" -> {
                    long ms = Long.parseLong(q.parameters().get("ms").get(0));
                    ObjectNode echo = echo();
                    ctx.executor().schedule(() -> json(ctx, echo, keepAlive), ms, TimeUnit.MILLISECONDS);
                }
                case "/hangup" -> ctx.close();
                case "/events" ->
                    events(
                            ctx,
                            Integer.parseInt(q.parameters().get("n").get(0)),
                            Long.parseLong(q.parameters().get("ms").get(0)));
                default -> json(ctx, echo(), keepAlive);
            }
        }

        private ObjectNode echo() {
            ObjectNode body = JSON.createObjectNode()
                    .put("method", request.method().name())
                    .put("uri", request.uri())
                    .put("bytes", uploaded);
            ObjectNode headers = body.putObject("headers");
            for (Map.Entry<String, String> h : request.headers()) {
                String name = h.getKey().toLowerCase();
                ArrayNode values = headers.has(name) ? (ArrayNode) headers.get(name) : headers.putArray(name);
                values.add(h.getValue());
            }
            return body;
        }

        private void json(ChannelHandlerContext ctx, ObjectNode body, boolean keepAlive) {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            r.headers().set("X-Upstream", "test");
            r.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? "keep-alive, X-Upstream-Private" : "close");
            r.headers().set("X-Upstream-Private", "hop-by-hop, must not reach the client");
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(x -> ctx.close());
            }
        }

        private void events(ChannelHandlerContext ctx, int n, long ms) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
            ctx.writeAndFlush(r);
            for (int i = 1; i <= n; i++) {
                int id = i;
                ctx.executor()
                        .schedule(
                                () -> {
                                    ctx.writeAndFlush(
                                            new io.netty.handler.codec.http.DefaultHttpContent(Unpooled.copiedBuffer(
                                                    "id: " + id + "\ndata: event " + id + "\n\n",
                                                    StandardCharsets.UTF_8)));
                                    if (id == n) {
                                        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                                    }
                                },
                                ms * i,
                                TimeUnit.MILLISECONDS);
            }
        }

        private void download(ChannelHandlerContext ctx, long total) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            ctx.write(r);
            ctx.writeAndFlush(new HttpChunkedInput(new PatternInput(total, produced)));
        }
    }

    /** Generates the pattern lazily, so the upstream never holds the body either. */
    private static final class PatternInput implements ChunkedInput<ByteBuf> {
        private static final int CHUNK = 64 * 1024;
        private final long total;
        private final java.util.concurrent.atomic.AtomicLong produced;
        private long offset;

        PatternInput(long total, java.util.concurrent.atomic.AtomicLong produced) {
            this.total = total;
            this.produced = produced;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= total;
        }

        @Override
        public void close() {}

        @Override
        @Deprecated
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator alloc) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(CHUNK, total - offset);
            ByteBuf buf = alloc.heapBuffer(n);
            for (int i = 0; i < n; i++) {
                buf.writeByte(patternByte(offset + i));
            }
            offset += n;
            produced.addAndGet(n);
            return buf;
        }

        @Override
        public long length() {
            return total;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
