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
    static final RunningSidecar sidecar = RunningSidecar.forClass(
            upstream::url,
            "server:\n  listen: 127.0.0.1:0\n"
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
            String first = frames.stream()
                    .filter(f -> f.contains(" 1 ") || f.startsWith("GOAWAY"))
                    .findFirst()
                    .orElse("nothing for stream 1 in " + frames);
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
                h2.headers(
                        1 + 2 * i,
                        RawH2.get("/upload")
                                .method("POST")
                                .add("authorization", BEARER)
                                .add("content-length", "1"),
                        false);
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
            h2.headers(
                    1,
                    RawH2.get("/upload")
                            .method("POST")
                            .add("authorization", BEARER)
                            .add("content-length", "100"),
                    false);
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

    /**
     * A client that floods PINGs and never reads: the answers pile up first in the kernel's socket buffers, then in
     * Netty's outbound buffer, where Netty's limit on queued control frames (10,000) ends the connection. The
     * sidecar stops reading the flood, so what it holds meanwhile is bounded whatever the client sends.
     */
    @Test
    void aPingFloodFromAClientThatNeverReadsIsCutOffWithBoundedMemory() throws Exception {
        long baseline = usedDirectMemory();
        long peak = baseline;
        long sent = 0;
        boolean cutOff = false;
        try (java.net.Socket s = new java.net.Socket()) {
            // A small receive buffer, and nothing ever read from it: the sidecar's answers back up at once.
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", sidecar.port()));
            s.setSoTimeout(1000);
            java.io.OutputStream out = s.getOutputStream();
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.write(preface);
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
            // 1,000 PING frames (9-byte header + 8 bytes of data each) per write.
            byte[] batch = new byte[1000 * 17];
            for (int i = 0; i < 1000; i++) {
                batch[i * 17 + 2] = 8;
                batch[i * 17 + 3] = 6;
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(40);
            // At most 200 MB of PINGs (12 million frames): far more than any buffer on the way can hold.
            while (sent < 200L << 20 && System.nanoTime() < deadline) {
                try {
                    out.write(batch);
                } catch (java.io.IOException reset) {
                    cutOff = true;
                    break;
                }
                sent += batch.length;
                peak = Math.max(peak, usedDirectMemory());
            }
        }
        assertThat(cutOff)
                .as("the sidecar closed the connection (after " + sent + " bytes of PINGs)")
                .isTrue();
        assertThat(peak - baseline)
                .as("growth of the sidecar's direct buffers during the flood")
                .isLessThan(16L << 20);
        // The listener is unharmed.
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, RawH2.get("/ping").add("authorization", BEARER), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200");
        }
    }

    private static long usedDirectMemory() {
        return ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
    }

    /**
     * A client that keeps a stream's window at zero (SETTINGS_INITIAL_WINDOW_SIZE 0, and no WINDOW_UPDATE for it)
     * holds that stream while it is connected, as documented: no per-stream send timeout resets it, and the
     * connection's idle timeout does not apply while a stream is open. What it costs is bounded (backpressure holds
     * the application back), its siblings are served, and once the client goes away (its FIN) the connection and
     * the application's connection are closed within server.idleTimeout, although nothing is ever written to it.
     */
    @Test
    void aClientThatKeepsItsWindowAtZeroHoldsOnlyItsOwnStreamUntilItLeaves() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        "server:\n  listen: 127.0.0.1:0\n" + "  idleTimeout: 1s\n",
                        // The sibling's pooled connection goes soon too, so that every application connection
                        // still open at the end would be the held stream's.
                        "upstream:\n  url: URL\n  idleTimeout: 500ms\n")) {
            try (RawH2 h2 = new RawH2(proxy.port()).hello()) {
                h2.settings(new io.netty.handler.codec.http2.Http2Settings().initialWindowSize(0));
                h2.headers(1, RawH2.get("/download?bytes=" + (256L << 20)).add("authorization", BEARER), true);
                assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200");

                // A sibling whose window the client opens is answered in full.
                h2.headers(3, RawH2.get("/echo").add("authorization", BEARER), true);
                h2.windowUpdate(3, 1 << 20);
                assertThat(h2.nextOn(3)).startsWith("HEADERS 3 :status=200");
                assertThat(h2.nextOn(3)).matches("DATA 3 \\d+ END");

                // The held stream gets no DATA and no reset, well past the idle timeout.
                List<String> later = h2.until(2500);
                assertThat(later)
                        .noneMatch(f -> f.startsWith("DATA 1")
                                || f.startsWith("RST_STREAM 1")
                                || f.startsWith("GOAWAY")
                                || f.equals(RawH2.CLOSED));
                assertThat(app.downloadBytesProduced())
                        .as("bytes the application produced for the held stream")
                        .isLessThan(24L << 20);
                assertThat(app.connections() - app.closedConnections())
                        .as("application connections open")
                        .isPositive();
            }
            // The client went away: the sidecar's connection to it, and the application's, are closed.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while ((app.connections() > app.closedConnections() || openClientConnections(proxy) > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(openClientConnections(proxy))
                    .as("the sidecar's client connections")
                    .isZero();
            assertThat(app.connections() - app.closedConnections())
                    .as("application connections open")
                    .isZero();
        }
    }

    private static double openClientConnections(RunningSidecar proxy) throws Exception {
        return proxy.admin("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith("auth_sidecar_open_connections "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
                .findFirst()
                .orElseThrow();
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
