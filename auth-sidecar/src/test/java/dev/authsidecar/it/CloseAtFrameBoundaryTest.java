package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A close frame from the sidecar never lands inside a frame the application is sending: the rest of that frame
 * goes first, then the close frame, then nothing more. Both ends are raw sockets, so the exact bytes are seen.
 */
@Timeout(30)
class CloseAtFrameBoundaryTest {
    private static final String HANDSHAKE = "GET /ws HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "
            + RunningSidecar.KEY + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    private static final String SWITCH = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    @Test
    void theIdleCloseWaitsForTheApplicationsFrameInProgressToEnd() throws Exception {
        byte[] first = frame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[100])));
        byte[] second = frame(new TextWebSocketFrame("never delivered"));
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start(
                        "http://127.0.0.1:" + listener.getLocalPort(),
                        "server:\n  listen: 127.0.0.1:0\n  tunnelIdleTimeout: 300ms\n");
                RawHttp client = new RawHttp(proxy.port())) {
            client.send(HANDSHAKE);
            try (Socket app = accept(listener)) {
                assertThat(client.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 101 ");
                OutputStream out = app.getOutputStream();
                out.write(first, 0, 60);
                out.flush();
                Thread.sleep(700); // the idle timeout passes while the frame is incomplete
                byte[] rest = new byte[first.length - 60 + second.length];
                System.arraycopy(first, 60, rest, 0, first.length - 60);
                System.arraycopy(second, 0, rest, first.length - 60, second.length);
                out.write(rest);
                out.flush();

                List<WebSocketFrame> received = decode(client.input().readAllBytes(), false);
                assertThat(received).hasSize(2);
                assertThat(received.get(0)).isInstanceOf(BinaryWebSocketFrame.class);
                assertThat(received.get(0).content().readableBytes()).isEqualTo(100);
                assertThat(received.get(1)).isInstanceOf(CloseWebSocketFrame.class);
                assertThat(((CloseWebSocketFrame) received.get(1)).statusCode()).isEqualTo(1001);
                received.forEach(WebSocketFrame::release);
                List<WebSocketFrame> toApp = decode(app.getInputStream().readAllBytes(), true);
                assertThat(toApp)
                        .as("the application gets a (masked) close too, then the connection ends")
                        .hasSize(1)
                        .first()
                        .isInstanceOf(CloseWebSocketFrame.class);
                assertThat(((CloseWebSocketFrame) toApp.get(0)).statusCode()).isEqualTo(1001);
                toApp.forEach(WebSocketFrame::release);
            }
        }
    }

    @Test
    void aFrameThatNeverEndsGetsNoCloseFrameButTheConnectionCloses() throws Exception {
        byte[] first = frame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[100])));
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start(
                        "http://127.0.0.1:" + listener.getLocalPort(),
                        "server:\n  listen: 127.0.0.1:0\n  tunnelIdleTimeout: 300ms\n");
                RawHttp client = new RawHttp(proxy.port())) {
            client.send(HANDSHAKE);
            try (Socket app = accept(listener)) {
                assertThat(client.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 101 ");
                app.getOutputStream().write(first, 0, 60);
                app.getOutputStream().flush();
                long start = System.nanoTime();
                byte[] got = client.input().readAllBytes();
                assertThat(got)
                        .as("the partial frame, and no close frame inside it")
                        .isEqualTo(Arrays.copyOf(first, 60));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            }
        }
    }

    @Test
    void theApplicationGetsNoCloseFrameInsideAFrameTheClientLeftUnfinished() throws Exception {
        byte[] masked = frame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[100])), true);
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start(
                        "http://127.0.0.1:" + listener.getLocalPort(),
                        "server:\n  listen: 127.0.0.1:0\n  tunnelIdleTimeout: 300ms\n");
                RawHttp client = new RawHttp(proxy.port())) {
            client.send(HANDSHAKE);
            try (Socket app = accept(listener)) {
                assertThat(client.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 101 ");
                client.send(Arrays.copyOf(masked, 60));
                assertThat(app.getInputStream().readAllBytes())
                        .as("the partial frame, then the end")
                        .isEqualTo(Arrays.copyOf(masked, 60));
                List<WebSocketFrame> toClient = decode(client.input().readAllBytes(), false);
                assertThat(toClient).as("the client still gets its close frame").hasSize(1);
                assertThat(((CloseWebSocketFrame) toClient.get(0)).statusCode()).isEqualTo(1001);
                toClient.forEach(WebSocketFrame::release);
            }
        }
    }

    private static Socket accept(ServerSocket listener) throws Exception {
        Socket app = listener.accept();
        app.setSoTimeout(10_000);
        InputStream in = app.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        app.getOutputStream().write(SWITCH.getBytes(StandardCharsets.ISO_8859_1));
        return app;
    }

    private static byte[] frame(WebSocketFrame frame) {
        return frame(frame, false);
    }

    static byte[] frame(WebSocketFrame frame, boolean masked) {
        EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(masked));
        encoder.writeOutbound(frame);
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = encoder.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        encoder.finishAndReleaseAll();
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    static List<WebSocketFrame> decode(byte[] bytes, boolean masked) {
        EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(masked, false, 1 << 20));
        decoder.writeInbound(Unpooled.wrappedBuffer(bytes));
        List<WebSocketFrame> frames = new ArrayList<>();
        WebSocketFrame f;
        while ((f = decoder.readInbound()) != null) {
            frames.add(f);
        }
        decoder.finishAndReleaseAll();
        return frames;
    }
}
