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
                RunningSidecar sidecar = RunningSidecar.start(upstream.url(),
                        "server:\n  listen: 127.0.0.1:0\n  http2:\n    enabled: false\n")) {
            String answer = exchange(sidecar.port(), PREFACE);
            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY).statusCode())
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
