package dev.authsidecar.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Abuse over raw frames. Each case is bounded by a limit of Netty's codec or of the sidecar, and ends the way
 * RFC 9113 says: GOAWAY with the error code for connection-level abuse, a stream error or an HTTP status for a
 * single stream, while the connection's other streams carry on.
 */
@Timeout(60)
class Http2AbuseTest {
    private static final String BEARER = "Bearer " + RunningSidecar.KEY;
    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();
    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url, "server:\n  listen: 127.0.0.1:0\n"
            + "  requestBodyTimeout: 500ms\n  http2:\n    maxConcurrentStreams: 10\n");

    private static String goAwayOf(List<String> frames) {
        return frames.stream().filter(f -> f.startsWith("GOAWAY")).findFirst().orElse("no GOAWAY in " + frames);
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            byte[] flood = h2.buffered(w -> {
                for (int i = 0; i < 400; i++) {
                    int stream = 1 + 2 * i;
                    w.headers(stream, RawH2.get("/ping"), false);
                    w.reset(stream, Http2Error.CANCEL);
                }
            });
            try {
                h2.write(flood);
            } catch (java.io.IOException closedWhileWriting) {
                // The sidecar may close before the whole flood is written.
            }
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY ENHANCE_YOUR_CALM");
            assertThat(frames).contains(RawH2.CLOSED);
        }
    }

    @Test
    void provokedResetsEndTheConnectionToo() throws Exception {
        // "MadeYouReset": each WINDOW_UPDATE with increment 0 makes the server reset that stream.
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            byte[] flood = h2.buffered(w -> {
                for (int i = 0; i < 400; i++) {
                    int stream = 1 + 2 * i;
                    w.headers(stream, RawH2.get("/ping").method("POST").add("content-length", "1"), false);
                    w.frame((byte) 0x8, 0, stream, new byte[4]);
                }
            });
            try {
                h2.write(flood);
            } catch (java.io.IOException closedWhileWriting) {
                // expected once the limit is hit
            }
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY ENHANCE_YOUR_CALM");
        }
    }

    @Test
    void continuationFloodEndsTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // HEADERS without END_HEADERS (an indexed ":method: GET"), then tiny CONTINUATION frames that never end.
            h2.frame((byte) 0x1, 0, 1, new byte[] {(byte) 0x82});
            byte[] flood = h2.buffered(w -> {
                for (int i = 0; i < 1000; i++) {
                    w.frame((byte) 0x9, 0, 1, new byte[] {(byte) 0x82});
                }
            });
            try {
                h2.write(flood);
            } catch (java.io.IOException closedWhileWriting) {
                // expected
            }
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY ENHANCE_YOUR_CALM");
            assertThat(frames).contains(RawH2.CLOSED);
        }
    }

    @Test
    void emptyDataFloodEndsTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, RawH2.get("/upload").method("POST").add("authorization", BEARER), false);
            byte[] flood = h2.buffered(w -> {
                for (int i = 0; i < 100; i++) {
                    w.data(1, new byte[0], false);
                }
            });
            try {
                h2.write(flood);
            } catch (java.io.IOException closedWhileWriting) {
                // expected
            }
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY ENHANCE_YOUR_CALM");
        }
    }

    @Test
    void hpackBombIsRefusedWithoutTakingTheConnectionDown() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // One 4000-byte field enters the HPACK table once and is then referenced a byte at a time: a few KiB on
            // the wire that decode to 400 KB, far past maxHeaderListSize (16 KiB).
            Http2Headers bomb = RawH2.get("/ping");
            String big = "x".repeat(4000);
            for (int i = 0; i < 100; i++) {
                bomb.add("x-bomb", big);
            }
            h2.headers(1, bomb, true);
            List<String> frames = h2.until(1500);
            String first = frames.stream().filter(f -> f.contains(" 1 ") || f.startsWith("GOAWAY"))
                    .findFirst().orElse("nothing for stream 1 in " + frames);
            assertThat(first).matches("HEADERS 1 :status=431.*|RST_STREAM 1 .*|GOAWAY .*");
            if (!first.startsWith("GOAWAY")) {
                h2.headers(3, RawH2.get("/ping"), true);
                assertThat(h2.nextOn(3)).startsWith("HEADERS 3 :status=401");
            }
        }
    }

    @Test
    void moreStreamsThanAllowedAreRefusedAndTheOthersAnswered() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // Let the client learn the limit (10) first, as a real one would; then open 11 streams that stay open.
            Thread.sleep(200);
            for (int i = 0; i < 11; i++) {
                h2.headers(1 + 2 * i, RawH2.get("/upload").method("POST").add("authorization", BEARER)
                        .add("content-length", "1"), false);
            }
            assertThat(h2.nextOn(21)).isEqualTo("RST_STREAM 21 REFUSED_STREAM");
            // The first ten are alive: finishing one gets its answer.
            h2.data(1, new byte[] {7}, true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200");
        }
    }

    @Test
    void aStreamWhoseBodyNeverComesIsAnsweredByTheBodyDeadline() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, RawH2.get("/upload").method("POST").add("authorization", BEARER)
                    .add("content-length", "100"), false);
            h2.data(1, new byte[10], false);
            long t0 = System.nanoTime();
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=408");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
            h2.headers(3, RawH2.get("/ping"), true);
            assertThat(h2.nextOn(3)).startsWith("HEADERS 3 :status=401");
        }
    }

    @Test
    void aWindowPushedPastItsLimitEndsTheConnectionWithFlowControlError() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // RFC 9113 §6.9.1: a window above 2^31-1 is a connection error of type FLOW_CONTROL_ERROR. The
            // connection window starts at 65,535, so the largest legal increment overflows it.
            h2.windowUpdate(0, Integer.MAX_VALUE);
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY FLOW_CONTROL_ERROR");
            assertThat(frames).contains(RawH2.CLOSED);
        }
    }

    /**
     * PING and SETTINGS floods from a client that reads its answers: each is answered, nothing piles up, and the
     * connection serves a request right after (a client that stops reading is cut off by Netty once 10,000
     * answers queue up unsent).
     */
    @Test
    void pingAndSettingsFloodsAreAnsweredAndTheConnectionStaysUsable() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            byte[] flood = h2.buffered(w -> {
                for (int i = 0; i < 5_000; i++) {
                    w.ping(i);
                    w.settings(new io.netty.handler.codec.http2.Http2Settings());
                }
            });
            h2.write(flood);
            h2.headers(1, RawH2.get("/ping").add("authorization", BEARER), true);

            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200");
        }
    }

    @Test
    void headersWithoutEndHeadersAreBoundedByTheHeaderListLimit() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // Large CONTINUATION frames that never end: refused once the block passes the header-list limit.
            h2.frame((byte) 0x1, 0, 1, new byte[] {(byte) 0x82});
            byte[] chunk = new byte[16_000];
            java.util.Arrays.fill(chunk, (byte) 0x82);
            try {
                for (int i = 0; i < 40; i++) {
                    h2.frame((byte) 0x9, 0, 1, chunk);
                }
            } catch (java.io.IOException closed) {
                // expected
            }
            List<String> frames = h2.until(3000);
            assertThat(goAwayOf(frames)).startsWith("GOAWAY");
            assertThat(frames).contains(RawH2.CLOSED);
        }
    }
}
