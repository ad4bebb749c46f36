package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.testing.Tokens;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What bounds a tunnel: the credential's lifetime, and memory (backpressure on a 64 MiB message). */
@Timeout(60)
class TunnelLimitsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int MESSAGE = 64 << 20;
    /** The sidecar's buffers may grow by this much while 64 MiB pass through it. */
    private static final long DIRECT_BOUND = 16 << 20;

    @Test
    void theTunnelClosesWith1008WhenTheTokenExpires() throws Exception {
        RSAKey key = signingKey();
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = jwtSidecar(app, key, true)) {
            String token = JwtFlowTest.token(key, Map.of(), Instant.now().plusSeconds(2));
            WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws", "Authorization", "Bearer " + token);
            ws.sendText("before expiry");
            assertThat(ws.next(2000)).isEqualTo("before expiry");
            WsClient.Close close = ws.closed().get(5, TimeUnit.SECONDS);
            assertThat(close.status()).isEqualTo(1008);
            assertThat(close.reason()).isEqualTo("credential expired");
            WebSocketTunnelTest.await(() -> app.openConnections() == 0);
            assertThat(app.openConnections())
                    .as("the application's connection is closed too")
                    .isZero();
            assertThat(WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnels_total{result=\"expired\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void withCloseTunnelsAtExpiryOffTheTunnelOutlivesTheToken() throws Exception {
        RSAKey key = signingKey();
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = jwtSidecar(app, key, false)) {
            String token = JwtFlowTest.token(key, Map.of(), Instant.now().plusSeconds(1));
            WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws", "Authorization", "Bearer " + token);
            Thread.sleep(2200);
            ws.sendText("after expiry");
            assertThat(ws.next(2000)).isEqualTo("after expiry");
            assertThat(ws.closed()).isNotDone();
            ws.socket().abort();
        }
    }

    @Test
    void aSixtyFourMiBMessageIsEchoedWithBoundedSidecarMemory() throws Exception {
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws", WebSocketTunnelTest.AUTH);
            byte[] message = new byte[MESSAGE];
            new Random(64).nextBytes(message);
            long peak;
            try (DirectMemoryWatch watch = new DirectMemoryWatch()) {
                ws.sendBinary(message);
                Object echo = ws.next(30_000);
                assertThat(echo).isInstanceOf(byte[].class);
                assertThat(java.util.Arrays.equals((byte[]) echo, message))
                        .as("64 MiB came back intact")
                        .isTrue();
                peak = watch.peakGrowth();
            }
            assertThat(peak).as("growth of the sidecar's direct buffers").isLessThan(DIRECT_BOUND);
            ws.socket().abort();
        }
    }

    @Test
    void anApplicationThatStopsReadingStopsTheSidecarReadingTheClient() throws Exception {
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            WsClient ws = WsClient.open(HTTP, proxy.port(), "/ws/stalled", WebSocketTunnelTest.AUTH);
            long peak;
            CompletableFuture<?> sent;
            try (DirectMemoryWatch watch = new DirectMemoryWatch()) {
                sent = ws.socket().sendBinary(ByteBuffer.wrap(new byte[MESSAGE]), true);
                Thread.sleep(1500);
                peak = watch.peakGrowth();
            }
            assertThat(sent)
                    .as("the client cannot push 64 MiB into a stalled application")
                    .isNotDone();
            long relayed = WebSocketTunnelTest.metricOf(proxy, "auth_sidecar_tunnel_bytes_total{direction=\"in\"}");
            assertThat(relayed).as("only what socket buffers hold was relayed").isLessThan(MESSAGE / 2);
            assertThat(peak).as("growth of the sidecar's direct buffers").isLessThan(DIRECT_BOUND);
            ws.socket().abort();
        }
    }

    private static RSAKey signingKey() {
        return Tokens.rsa("k1");
    }

    private static RunningSidecar jwtSidecar(WebSocketUpstream app, RSAKey key, boolean closeAtExpiry)
            throws Exception {
        Path jwks = Tokens.jwksFile(key);
        return RunningSidecar.start(
                app.url(),
                "auth:\n" + RunningSidecar.keys() + "  closeTunnelsAtExpiry: " + closeAtExpiry + "\n"
                        + "  jwt:\n    providers:\n      - name: shop\n        issuer: " + JwtFlowTest.ISSUER + "\n"
                        + "        audiences: [main-service]\n        jwksFile: " + jwks + "\n");
    }

    /**
     * Samples the direct memory of Netty's default allocator, which only the sidecar uses in these tests (the
     * test application runs on unpooled heap buffers, the JDK client does not use Netty).
     */
    static final class DirectMemoryWatch implements AutoCloseable {
        private final long baseline = used();
        private final AtomicLong peak = new AtomicLong(baseline);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler = new Thread(() -> {
            while (running.get()) {
                peak.accumulateAndGet(used(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        DirectMemoryWatch() {
            sampler.setDaemon(true);
            sampler.start();
        }

        static long used() {
            return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                    .metric()
                    .usedDirectMemory();
        }

        long peakGrowth() {
            return peak.get() - baseline;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join(Duration.ofSeconds(1).toMillis());
        }
    }
}
