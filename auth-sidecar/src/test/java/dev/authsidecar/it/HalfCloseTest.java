package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client or application that shuts its sending side ({@code shutdown(SHUT_WR)}, {@code nc -N}). */
@Timeout(30)
class HalfCloseTest {
    private static final String AUTH = "Authorization: Bearer " + RunningSidecar.KEY + "\r\n";
    private static final String HANDSHAKE = "GET /ws HTTP/1.1\r\nHost: a\r\n" + AUTH
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    @Test
    void aCompleteRequestFollowedByAHalfCloseStillGetsItsAnswerThenTheConnectionCloses() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url());
                RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /echo HTTP/1.1\r\nHost: a\r\n" + AUTH + "\r\n");
            raw.shutdownOutput();
            long start = System.nanoTime();
            String answer = raw.readToEnd();
            assertThat(answer)
                    .startsWith("HTTP/1.1 200 ")
                    .contains("\"uri\":\"/echo\"")
                    .endsWith("}");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("closed after the answer, not timed out")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aHalfCloseInTheMiddleOfABodyAbortsTheRequest() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url());
                RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("POST /upload HTTP/1.1\r\nHost: a\r\n" + AUTH + "Content-Length: 1000\r\n\r\n0123456789");
            UpstreamFailureTest.waitFor(() -> app.requests() == 1);
            raw.shutdownOutput();
            String answer = raw.readToEnd();
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("before the request body was complete");
            UpstreamFailureTest.waitFor(() -> app.closedConnections() == 1);
            assertThat(app.closedConnections())
                    .as("the application's connection is closed, body unfinished")
                    .isEqualTo(1);
        }
    }

    @Test
    void inATunnelAFinIsPassedOnAsAFinAndEarlyBytesWaitForThe101() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RunningSidecar proxy = RunningSidecar.start("http://127.0.0.1:" + listener.getLocalPort());
                RawHttp client = new RawHttp(proxy.port())) {
            client.send(HANDSHAKE + "EARLY");
            try (Socket app = listener.accept()) {
                app.setSoTimeout(5000);
                InputStream in = app.getInputStream();
                String head = readUntil(in, "\r\n\r\n");
                assertThat(head.toLowerCase()).contains("upgrade: websocket").contains("connection: upgrade");
                Thread.sleep(300);
                assertThat(in.available())
                        .as("nothing after the upgrade request before the 101")
                        .isZero();
                app.getOutputStream()
                        .write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                        + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(client.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 101 ");
                assertThat(readN(in, 5)).isEqualTo("EARLY");

                client.send("more");
                client.shutdownOutput();
                assertThat(readN(in, 4)).isEqualTo("more");
                assertThat(in.read())
                        .as("the client's FIN reached the application")
                        .isEqualTo(-1);

                app.getOutputStream().write("still answering".getBytes(StandardCharsets.ISO_8859_1));
                app.shutdownOutput();
                assertThat(client.readToEnd())
                        .as("the other direction kept going until its own FIN")
                        .isEqualTo("still answering");
            }
            WebSocketTunnelTest.await(() -> WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_active") == 0);
            assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_total{result=\"client_closed\"}"))
                    .isEqualTo(1);
        }
    }

    private static String readUntil(InputStream in, String marker) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            buf.write(b);
            if (buf.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
                break;
            }
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readN(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
    }
}
