package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How the listener tells the protocols apart, and that server.http2.enabled switches HTTP/2 off. */
@Timeout(30)
class Http2ListenerTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void withHttp2OffThePrefaceIsAMalformedHttp11Request() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
                RunningSidecar sidecar = RunningSidecar.start(
                        upstream.url(), "server:\n  listen: 127.0.0.1:0\n  http2:\n    enabled: false\n")) {
            String answer = exchange(sidecar.port(), PREFACE);
            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void withHttp2OnThePrefaceGetsTheServersSettingsFrame() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
                RunningSidecar sidecar = RunningSidecar.start(upstream.url())) {
            // An empty SETTINGS frame after the preface, as a client sends it.
            byte[] hello = new byte[PREFACE.length + 9];
            System.arraycopy(PREFACE, 0, hello, 0, PREFACE.length);
            hello[PREFACE.length + 3] = 0x4;
            try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(hello);
                byte[] head = s.getInputStream().readNBytes(9);
                assertThat(head[3]).as("frame type SETTINGS").isEqualTo((byte) 0x4);
                assertThat(head[4]).as("not an ACK").isEqualTo((byte) 0);
            }
        }
    }

    @Test
    void aShortHttp10RequestIsNotHeldWaitingForAPreface() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
                RunningSidecar sidecar = RunningSidecar.start(upstream.url())) {
            // 14 bytes, fewer than the 24 of the preface: the first byte already tells it is not HTTP/2.
            String answer = exchange(sidecar.port(), "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer).startsWith("HTTP/1.1 401 ");
        }
    }

    @Test
    void anIdleHttp2ConnectionIsClosedWithGoAway() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
                RunningSidecar sidecar =
                        RunningSidecar.start(upstream.url(), "server:\n  listen: 127.0.0.1:0\n  idleTimeout: 300ms\n");
                dev.authsidecar.h2.RawH2 h2 = new dev.authsidecar.h2.RawH2(sidecar.port()).hello()) {
            h2.headers(1, dev.authsidecar.h2.RawH2.get("/ping"), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=401");
            java.util.List<String> rest = h2.until(3000);
            assertThat(rest).anyMatch(f -> f.startsWith("GOAWAY NO_ERROR")).contains(dev.authsidecar.h2.RawH2.CLOSED);
        }
    }

    @Test
    void shutdownSendsGoAwayAndLetsTheStreamInFlightFinish() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            RunningSidecar sidecar = RunningSidecar.start(upstream.url());
            try (H2Client client = new H2Client(sidecar.port())) {
                var inFlight = client.send(H2Client.request(
                        io.netty.handler.codec.http.HttpMethod.GET,
                        "/slow?ms=1000",
                        "authorization",
                        "Bearer " + RunningSidecar.KEY));
                // Shut down only once the stream is in flight (reached the application): a fixed sleep let a
                // loaded machine start the shutdown before the stream arrived, and it was then refused.
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (upstream.requests() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(upstream.requests())
                        .as("the stream reached the application")
                        .isEqualTo(1);
                Thread stopper = new Thread(sidecar::close);
                stopper.start();
                H2Client.Response r = inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                stopper.join(10_000);
                assertThat(client.goAway()).isNotNull();
            }
        }
    }

    private static String exchange(int port, byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[512];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }
    }
}
