package dev.authsidecar.h2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw HTTP/2 connection for tests that must send what a well-behaved client never would: frames are encoded by
 * Netty's frame writer (headers unvalidated) and written to a plain socket; what comes back is decoded by Netty's
 * frame reader into one line per frame, such as {@code HEADERS 1 :status=400 END} or
 * {@code RST_STREAM 3 PROTOCOL_ERROR} or {@code GOAWAY ENHANCE_YOUR_CALM}.
 */
public final class RawH2 implements AutoCloseable {
    public static final String CLOSED = "CLOSED";

    private final Socket socket;
    private final OutputStream out;
    private final EmbeddedChannel encoder = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ChannelHandlerContext ctx = encoder.pipeline().firstContext();
    private final DefaultHttp2FrameWriter writer =
            new DefaultHttp2FrameWriter(new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true));
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final Thread reader;

    public RawH2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        reader = new Thread(this::readLoop, "raw-h2-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The client preface and an empty SETTINGS frame, as every client starts. */
    public RawH2 hello() throws IOException {
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        byte[] b = new byte[preface.readableBytes()];
        preface.readBytes(b);
        out.write(b);
        writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
        flush();
        return this;
    }

    public static Http2Headers get(String path) {
        return new DefaultHttp2Headers(false)
                .method("GET")
                .scheme("http")
                .authority("sidecar.test")
                .path(path);
    }

    public RawH2 headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        writer.writeHeaders(ctx, stream, headers, 0, endStream, ctx.newPromise());
        return flush();
    }

    public RawH2 data(int stream, byte[] data, boolean endStream) throws IOException {
        writer.writeData(ctx, stream, Unpooled.wrappedBuffer(data), 0, endStream, ctx.newPromise());
        return flush();
    }

    public RawH2 reset(int stream, Http2Error error) throws IOException {
        writer.writeRstStream(ctx, stream, error.code(), ctx.newPromise());
        return flush();
    }

    public RawH2 ping(long data) throws IOException {
        writer.writePing(ctx, false, data, ctx.newPromise());
        return flush();
    }

    public RawH2 settings(Http2Settings settings) throws IOException {
        writer.writeSettings(ctx, settings, ctx.newPromise());
        return flush();
    }

    public RawH2 windowUpdate(int stream, int delta) throws IOException {
        writer.writeWindowUpdate(ctx, stream, delta, ctx.newPromise());
        return flush();
    }

    /** A frame of any type, flags and payload: for what the writer itself refuses to produce. */
    public RawH2 frame(byte type, int flags, int stream, byte[] payload) throws IOException {
        writer.writeFrame(
                ctx,
                type,
                stream,
                new io.netty.handler.codec.http2.Http2Flags((short) flags),
                Unpooled.wrappedBuffer(payload),
                ctx.newPromise());
        return flush();
    }

    /** Bytes as they are, for floods built once and written many times. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public interface IoAction {
        void run(RawH2 h2) throws IOException;
    }

    private RawH2 flush() throws IOException {
        if (buffering) {
            return this;
        }
        out.write(drain());
        out.flush();
        return this;
    }

    private boolean buffering;

    /** Collects what the writes inside {@code action} would send, as one array. */
    public byte[] buffered(IoAction action) throws IOException {
        buffering = true;
        try {
            action.run(this);
        } finally {
            buffering = false;
        }
        return drain();
    }

    private byte[] drain() {
        encoder.flush();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ByteBuf b;
        while ((b = encoder.readOutbound()) != null) {
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            bytes.writeBytes(a);
        }
        return bytes.toByteArray();
    }

    /** The next frame line other than SETTINGS, SETTINGS ACK, PING ACK and WINDOW_UPDATE; CLOSED at the end. */
    public String next() throws InterruptedException {
        while (true) {
            String f = frames.poll(10, TimeUnit.SECONDS);
            if (f == null) {
                return "TIMEOUT";
            }
            if (!f.startsWith("SETTINGS") && !f.startsWith("PING") && !f.startsWith("WINDOW_UPDATE")) {
                return f;
            }
        }
    }

    /** Every frame line until the connection closes or nothing arrives for {@code quietMillis}. */
    public List<String> until(long quietMillis) throws InterruptedException {
        List<String> all = new ArrayList<>();
        while (true) {
            String f = frames.poll(quietMillis, TimeUnit.MILLISECONDS);
            if (f == null) {
                return all;
            }
            all.add(f);
            if (f.equals(CLOSED)) {
                return all;
            }
        }
    }

    /** The first frame line of a stream, skipping others. */
    public String nextOn(int stream) throws InterruptedException {
        while (true) {
            String f = next();
            if (f.equals("TIMEOUT")
                    || f.equals(CLOSED)
                    || f.startsWith("GOAWAY")
                    || f.split(" ")[1].equals(Integer.toString(stream))) {
                return f;
            }
        }
    }

    private void readLoop() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext rctx = ch.pipeline().firstContext();
        DefaultHttp2FrameReader frameReader = new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(false));
        ByteBuf acc = Unpooled.buffer();
        byte[] buf = new byte[16384];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                acc.writeBytes(buf, 0, n);
                frameReader.readFrame(rctx, acc, new Listener());
                acc.discardReadBytes();
            }
        } catch (Exception e) {
            // Reset or closed: the end of the connection either way.
        } finally {
            frames.add(CLOSED);
            acc.release();
        }
    }

    private final class Listener extends Http2FrameAdapter {
        @Override
        public void onHeadersRead(
                ChannelHandlerContext c, int streamId, Http2Headers headers, int padding, boolean endOfStream) {
            StringBuilder sb = new StringBuilder("HEADERS ").append(streamId);
            headers.forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
            frames.add(sb.append(endOfStream ? " END" : "").toString());
        }

        @Override
        public void onHeadersRead(
                ChannelHandlerContext c,
                int streamId,
                Http2Headers headers,
                int dependency,
                short weight,
                boolean exclusive,
                int padding,
                boolean endOfStream) {
            onHeadersRead(c, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean end) {
            frames.add("DATA " + streamId + " " + data.readableBytes() + (end ? " END" : ""));
            return data.readableBytes() + padding;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
            frames.add("RST_STREAM " + streamId + " " + Http2Error.valueOf(errorCode));
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
            frames.add("GOAWAY " + Http2Error.valueOf(errorCode) + " last=" + lastStreamId);
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
            frames.add("SETTINGS " + settings);
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext c) {
            frames.add("SETTINGS_ACK");
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext c, long data) {
            frames.add("PING_ACK " + data);
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext c, int streamId, int increment) {
            frames.add("WINDOW_UPDATE " + streamId + " " + increment);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
