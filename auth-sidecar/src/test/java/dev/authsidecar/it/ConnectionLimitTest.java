package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code server.maxConnections}: past the limit a new client connection is closed as soon as it is accepted, and
 * counted, so that enough idle connections cannot exhaust the heap (each holds a few KiB) and stop the process.
 * Real sockets into a running sidecar.
 */
@Timeout(60)
class ConnectionLimitTest {
    private static final String PING =
            "GET /ping HTTP/1.1\r\nHost: app\r\nAuthorization: Bearer " + RunningSidecar.KEY + "\r\n\r\n";

    @Test
    void aConnectionPastTheLimitIsClosedAndCountedAndOneClosingMakesRoom() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), "server:\n  listen: 127.0.0.1:0\n  maxConnections: 2\n")) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = connect(proxy.port());
                    open.add(s);
                    assertThat(exchange(s))
                            .as("connection %d, within the limit", i)
                            .startsWith("HTTP/1.1 200 ");
                }
                try (Socket third = connect(proxy.port())) {
                    // Closed without an answer: the first read sees the end of the stream (or a reset).
                    assertThat(readAfterSending(third))
                            .as("the connection past the limit")
                            .isEqualTo(-1);
                }
                assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_connections_refused_total"))
                        .isEqualTo(1);
                assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_open_connections"))
                        .isEqualTo(2);

                // The two within the limit still work.
                for (Socket s : open) {
                    assertThat(exchange(s)).startsWith("HTTP/1.1 200 ");
                }
                open.remove(0).close();
                WebSocketTunnelTest.await(
                        () -> WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_open_connections") == 1);
                Socket again = connect(proxy.port());
                open.add(again);
                assertThat(exchange(again)).as("after one closed, a new one").startsWith("HTTP/1.1 200 ");
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    void theDefaultIs4096AndZeroIsRefused() throws Exception {
        assertThat(ConfigLoader.defaults().server().maxConnections()).isEqualTo(4096);
        Path file = Files.createTempFile("sidecar", ".yaml");
        try {
            Files.writeString(file, "server:\n  maxConnections: 0\n");
            assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("server.maxConnections");
        } finally {
            Files.delete(file);
        }
    }

    private static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** One request and its answer's head. */
    private static String exchange(Socket s) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(PING.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        // The body: Content-Length bytes.
        String text = head.toString();
        int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
        if (at >= 0) {
            int n = Integer.parseInt(
                    text.substring(at + 15, text.indexOf("\r\n", at)).trim());
            in.readNBytes(n);
        }
        return text;
    }

    private static int readAfterSending(Socket s) {
        try {
            s.getOutputStream().write(PING.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return s.getInputStream().read();
        } catch (java.io.IOException reset) {
            // A reset is a closed connection too (the write may race the close).
            return -1;
        }
    }
}
