package dev.authsidecar.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Frame ends found from headers alone, for every length encoding, masked or not, however the bytes are cut. */
class FrameBoundaryTest {

    @ParameterizedTest(name = "payload {0} bytes, masked {1}, read {2} bytes at a time")
    @CsvSource({
        "0, false, 1", "0, true, 1",
        "1, false, 1", "125, true, 3",
        "126, false, 1", "126, true, 7",
        "65535, false, 1000", "65535, true, 1",
        "65536, false, 4096", "65536, true, 13",
        "300000, true, 65536", "300000, false, 100000",
    })
    void findsEveryFrameEnd(int payload, boolean masked, int readSize) {
        List<Integer> frameLengths = new ArrayList<>();
        ByteBuf stream = Unpooled.buffer();
        // A fragmented message with a ping between its fragments, then a close: the boundaries fall after each.
        for (WebSocketFrame f : List.of(
                new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[payload])),
                new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[payload / 2 + 1])),
                new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[payload])),
                new CloseWebSocketFrame(1000, "bye"))) {
            ByteBuf encoded = encode(f, masked);
            frameLengths.add(encoded.readableBytes());
            stream.writeBytes(encoded);
            encoded.release();
        }

        FrameBoundary frames = new FrameBoundary();
        List<Integer> found = new ArrayList<>();
        int sinceLast = 0;
        while (stream.isReadable()) {
            ByteBuf read = stream.readSlice(Math.min(readSize, stream.readableBytes()));
            while (read.isReadable()) {
                int n = frames.advance(read, true);
                read.skipBytes(n);
                sinceLast += n;
                if (frames.atBoundary()) {
                    found.add(sinceLast);
                    sinceLast = 0;
                }
            }
        }
        assertThat(found).isEqualTo(frameLengths);
        stream.release();
    }

    @ParameterizedTest(name = "payload {0}")
    @CsvSource({"10", "70000"})
    void notAtABoundaryInTheMiddleOfAFrame(int payload) {
        ByteBuf frame = encode(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[payload])), false);
        FrameBoundary frames = new FrameBoundary();
        assertThat(frames.atBoundary()).isTrue();
        ByteBuf head = frame.readSlice(frame.readableBytes() - 1);
        assertThat(frames.advance(head, false)).isEqualTo(head.readableBytes());
        assertThat(frames.atBoundary()).isFalse();
        assertThat(frames.advance(frame, false)).isEqualTo(1);
        assertThat(frames.atBoundary()).isTrue();
        frame.release();
    }

    /** The sidecar's own close frames are well-formed: Netty's decoders for each side read them back. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"EXPIRED, 1008, credential expired", "SHUTDOWN, 1001, server shutting down", "IDLE, 1001, idle timeout"
    })
    void closeFramesDecode(String which, int status, String reason) throws Exception {
        CloseFrames.Close frame =
                (CloseFrames.Close) CloseFrames.class.getDeclaredField(which).get(null);
        for (boolean toApplication : new boolean[] {false, true}) {
            // The application's decoder insists on masked frames, the client's on unmasked ones.
            EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(toApplication, false, 1024));
            decoder.writeInbound(toApplication ? frame.toApplication() : frame.toClient());
            CloseWebSocketFrame close = decoder.readInbound();
            assertThat(close.statusCode()).isEqualTo(status);
            assertThat(close.reasonText()).isEqualTo(reason);
            close.release();
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }
    }

    private static ByteBuf encode(WebSocketFrame frame, boolean masked) {
        EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(masked));
        encoder.writeOutbound(frame);
        ByteBuf out = Unpooled.buffer();
        ByteBuf part;
        while ((part = encoder.readOutbound()) != null) {
            out.writeBytes(part);
            part.release();
        }
        encoder.finishAndReleaseAll();
        return out;
    }
}
