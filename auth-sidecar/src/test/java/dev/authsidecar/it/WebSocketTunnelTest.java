package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSockets through the sidecar: the JDK's client, the sidecar in-process, and a real WebSocket application
 * (Netty's). The upgrade is authenticated and authorized like any request; the tunnel relays both ways.
 */
@Timeout(30)
class WebSocketTunnelTest {
    static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static WebSocketUpstream app;
    private static RunningSidecar proxy;

    @BeforeAll
    static void start() throws Exception {
        app = new WebSocketUpstream();
        proxy = RunningSidecar.start(
                app.url(),
                "rules:\n"
                        + "  - path: /feed\n    methods: [GET]\n    upgrade: none\n    allow: authenticated\n"
                        + "  - path: /feed\n    deny: true\n");
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
    }

    @Test
    void textAndBinaryMessagesAreEchoedThroughTheTunnel() throws Exception {
        int before = app.connections();
        WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws", AUTH);
        assertThat(ws.socket().getSubprotocol())
                .as("Sec-WebSocket-Protocol passes both ways")
                .isEqualTo("chat");
        ws.sendText("hello, tunnel");
        assertThat(ws.next(5000)).isEqualTo("hello, tunnel");
        byte[] blob = new byte[300_000];
        new Random(7).nextBytes(blob);
        ws.sendBinary(blob);
        assertThat((byte[]) ws.next(5000)).isEqualTo(blob);
        assertThat(app.connections() - before)
                .as("one dedicated application connection")
                .isEqualTo(1);

        var seen = app.handshakes().get(app.handshakes().size() - 1);
        assertThat(seen.get("X-Auth-Subject")).isEqualTo("alice");
        assertThat(seen.get("Authorization"))
                .as("the credential is stripped as for any request")
                .isNull();
        assertThat(seen.get("Upgrade")).isEqualToIgnoringCase("websocket");
        assertThat(seen.get("Connection")).isEqualToIgnoringCase("upgrade");
        assertThat(seen.get("Sec-WebSocket-Key")).isNotBlank();
        assertThat(seen.get("Sec-WebSocket-Version")).isEqualTo("13");
        assertThat(seen.get("X-Request-Id")).isNotBlank();

        ws.socket().sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        assertThat(ws.closed().get(5, TimeUnit.SECONDS).status()).isEqualTo(1000);
        await(() -> metric("auth_sidecar_tunnels_active") == 0);
        assertThat(metric("auth_sidecar_tunnel_bytes_total{direction=\"in\"}")).isGreaterThan(300_000);
        assertThat(metric("auth_sidecar_tunnel_bytes_total{direction=\"out\"}")).isGreaterThan(300_000);
    }

    @Test
    void whatTheApplicationSendsRightAfterThe101Arrives() throws Exception {
        WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws/pushes", AUTH);
        assertThat(ws.next(5000)).isEqualTo("hello");
        ws.sendText("and back");
        assertThat(ws.next(5000)).isEqualTo("and back");
        ws.socket().abort();
    }

    @Test
    void anUnauthenticatedUpgradeIs401AndNeverReachesTheApplication() throws Exception {
        int before = app.connections();
        assertThatThrownBy(() -> WsClient.open(HTTP, proxy.port(), "/ws"))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(
                                ((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(401));
        assertThat(app.connections()).isEqualTo(before);
    }

    @Test
    void aRuleCanAllowAPathButNotItsWebSocket() throws Exception {
        int before = app.connections();
        assertThat(proxy.get("/feed", AUTH).body()).isEqualTo("plain /feed");
        int afterPlain = app.connections();
        assertThatThrownBy(() -> WsClient.open(HTTP, proxy.port(), "/feed", AUTH))
                .cause()
                .isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(
                                ((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(403));
        assertThat(afterPlain - before).isLessThanOrEqualTo(1);
        assertThat(app.connections())
                .as("the refused upgrade made no connection")
                .isEqualTo(afterPlain);
    }

    @Test
    void anApplicationAnsweringOtherThan101IsRelayedAsAResponseAndTheConnectionCloses() throws Exception {
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url());
                RawHttp raw = new RawHttp(proxy.port())) {
            raw.send("GET /nows HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                    + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            String answer = raw.readToEnd();
            assertThat(answer)
                    .startsWith("HTTP/1.1 403 ")
                    .contains("no websocket here")
                    .containsIgnoringCase("connection: close");
            await(() -> app.openConnections() == 0);
            assertThat(app.connections()).isEqualTo(1);
            assertThat(app.openConnections())
                    .as("the application's connection is closed, not pooled")
                    .isZero();
            assertThat(metricOf(proxy, "auth_sidecar_tunnels_active")).isZero();
        }
    }

    @Test
    void anUpgradePipelinedBehindAPlainRequestBecomesATunnelAfterTheFirstAnswer() throws Exception {
        try (RawHttp raw = new RawHttp(proxy.port())) {
            String auth = "Authorization: Bearer " + RunningSidecar.KEY + "\r\n";
            raw.send("GET /feed HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n"
                    + "GET /ws HTTP/1.1\r\nHost: a\r\n" + auth + "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            assertThat(raw.readUntil("plain /feed")).startsWith("HTTP/1.1 200 ");
            assertThat(raw.readUntil("\r\n\r\n")).startsWith("HTTP/1.1 101 ");
            raw.send(CloseAtFrameBoundaryTest.frame(
                    new io.netty.handler.codec.http.websocketx.TextWebSocketFrame("through the tunnel"), true));
            byte[] echo = raw.input().readNBytes(2 + "through the tunnel".length());
            var frames = CloseAtFrameBoundaryTest.decode(echo, false);
            assertThat(frames).hasSize(1);
            assertThat(((io.netty.handler.codec.http.websocketx.TextWebSocketFrame) frames.get(0)).text())
                    .isEqualTo("through the tunnel");
            frames.forEach(io.netty.handler.codec.http.websocketx.WebSocketFrame::release);
        }
    }

    @Test
    void h2cIsNeverTunneledAndTheApplicationDoesNotSeeIt() throws Exception {
        try (TestUpstream echo = new TestUpstream();
                RunningSidecar p = RunningSidecar.start(echo.url())) {
            try (RawHttp raw = new RawHttp(p.port())) {
                raw.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
                String answer = raw.readUntil("}");
                assertThat(answer).startsWith("HTTP/1.1 200 ");
                assertThat(answer.toLowerCase()).doesNotContain("upgrade").doesNotContain("http2-settings");
            }
            var seen = echo.seen().get(0).headers();
            assertThat(seen.contains("Upgrade")).isFalse();
            assertThat(seen.contains("HTTP2-Settings")).isFalse();
        }
    }

    @Test
    void withUpgradesOffAWebSocketRequestIsAPlainRequest() throws Exception {
        try (TestUpstream echo = new TestUpstream();
                RunningSidecar p =
                        RunningSidecar.start(echo.url(), "server:\n  listen: 127.0.0.1:0\n  upgrades: []\n")) {
            try (RawHttp raw = new RawHttp(p.port())) {
                raw.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + RunningSidecar.KEY
                        + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
                assertThat(raw.readUntil("}")).startsWith("HTTP/1.1 200 ");
            }
            assertThat(echo.seen().get(0).headers().contains("Upgrade")).isFalse();
        }
    }

    @Test
    void anIdleTunnelIsClosedWith1001() throws Exception {
        try (WebSocketUpstream a = new WebSocketUpstream();
                RunningSidecar p =
                        RunningSidecar.start(a.url(), "server:\n  listen: 127.0.0.1:0\n  tunnelIdleTimeout: 400ms\n")) {
            WsClient ws = WsClient.open(HTTP, p.port(), "/ws", AUTH);
            for (int i = 0; i < 4; i++) {
                Thread.sleep(200);
                ws.sendText("still here " + i);
                assertThat(ws.next(2000)).as("traffic keeps it open").isEqualTo("still here " + i);
            }
            long start = System.nanoTime();
            WsClient.Close close = ws.closed().get(5, TimeUnit.SECONDS);
            assertThat(close.status()).isEqualTo(1001);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
            await(() -> a.openConnections() == 0);
            assertThat(metricOf(p, "auth_sidecar_tunnels_total{result=\"idle_timeout\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void atShutdownATunnelKeepsGoingThroughTheDrainDelayThenGets1001() throws Exception {
        try (WebSocketUpstream a = new WebSocketUpstream();
                RunningSidecar p = RunningSidecar.start(a.url(), "shutdown:\n  drainDelay: 600ms\n  timeout: 10s\n")) {
            WsClient ws = WsClient.open(HTTP, p.port(), "/ws", AUTH);
            long start = System.nanoTime();
            Thread shutdown = new Thread(p.sidecar()::shutdown);
            shutdown.start();
            Thread.sleep(200);
            ws.sendText("during the drain delay");
            assertThat(ws.next(2000)).isEqualTo("during the drain delay");
            WsClient.Close close = ws.closed().get(5, TimeUnit.SECONDS);
            assertThat(close.status()).isEqualTo(1001);
            shutdown.join(5000);
            assertThat(shutdown.isAlive()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("the tunnel did not hold the process")
                    .isLessThan(Duration.ofSeconds(4));
        }
    }

    /** Waits up to 5 s for the condition, which may do I/O. */
    static void await(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.call() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    static long metric(String name) throws Exception {
        return metricOf(proxy, name);
    }

    static long metricOf(RunningSidecar p, String name) throws Exception {
        for (String line : p.admin("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long)
                        Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
