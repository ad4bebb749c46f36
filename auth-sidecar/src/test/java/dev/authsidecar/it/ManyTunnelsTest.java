package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** A thousand tunnels at once, then none: no connection and no buffer is left behind. */
@Timeout(300)
class ManyTunnelsTest {
    private static final int TUNNELS = 1000;
    /**
     * The bound of each wait below, which ends as soon as what it waits for happens. On a loaded two-core machine
     * (load 20) one of a thousand concurrent WebSocket handshakes took over the client's former 10 s; this test is
     * about leaks, not speed.
     */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ListAppender<ILoggingEvent> leaks = new ListAppender<>();
    private ResourceLeakDetector.Level levelBefore;

    @BeforeEach
    void trackEveryBuffer() {
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        leaks.start();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(leaks);
    }

    @AfterEach
    void restore() {
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(leaks);
        ResourceLeakDetector.setLevel(levelBefore);
    }

    @Test
    void aThousandConcurrentTunnelsOpenRelayAndCloseWithoutLeaks() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            List<CompletableFuture<WsClient>> opening = new ArrayList<>();
            for (int i = 0; i < TUNNELS; i++) {
                opening.add(WsClient.openAsync(http, PATIENCE, proxy.port(), "/ws", WebSocketTunnelTest.AUTH));
            }
            List<WsClient> clients = new ArrayList<>();
            for (CompletableFuture<WsClient> f : opening) {
                clients.add(f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }
            assertThat(app.connections())
                    .as("one application connection per tunnel")
                    .isEqualTo(TUNNELS);
            assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_active"))
                    .isEqualTo(TUNNELS);

            for (int i = 0; i < TUNNELS; i++) {
                clients.get(i).socket().sendText("message " + i, true);
            }
            for (int i = 0; i < TUNNELS; i++) {
                assertThat(clients.get(i).next(PATIENCE.toMillis())).isEqualTo("message " + i);
            }
            for (WsClient c : clients) {
                c.socket().sendClose(1000, "done");
            }
            for (WsClient c : clients) {
                assertThat(c.closed()
                                .get(PATIENCE.toSeconds(), TimeUnit.SECONDS)
                                .status())
                        .isEqualTo(1000);
            }
            // The sidecar counts a tunnel as ended when both its connections have closed, which under load can
            // come well after the clients saw their close frames.
            await(() -> app.openConnections() == 0
                    && WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_active") == 0
                    && WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_open_connections") == 0
                    && ended(proxy) == TUNNELS);
            assertThat(app.openConnections())
                    .as("application connections left open")
                    .isZero();
            assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_active"))
                    .isZero();
            assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_open_connections"))
                    .isZero();
            assertThat(ended(proxy)).isEqualTo(TUNNELS);
        }
        // A leaked buffer is reported when it has been collected and the detector runs again.
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(100);
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(64);
                probe.release();
            }
        }
        assertThat(leaks.list).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    /** Tunnels counted as ended by either side closing. */
    private static long ended(RunningSidecar proxy) throws Exception {
        long ended = 0;
        for (String result : List.of("client_closed", "upstream_closed")) {
            ended += WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_total{result=\"" + result + "\"}");
        }
        return ended;
    }

    /** Returns when {@code condition} holds, or after {@link #PATIENCE}; the assertions that follow tell which. */
    private static void await(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.call() && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }
}
