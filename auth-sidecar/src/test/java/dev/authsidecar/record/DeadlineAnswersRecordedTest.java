package dev.authsidecar.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.accept.ProxyServer;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.config.AccessLogConfig;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.h2.RawH2;
import dev.authsidecar.it.RawHttp;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.net.Transport;
import dev.authsidecar.proxy.Stages;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sidecar's deadline answers (a request head or body that does not arrive in time: 408) are recorded like any
 * other answer: one access-log line and the request counter. Real sockets into the production listener, with the
 * access log written to a buffer instead of stdout.
 */
@Timeout(30)
class DeadlineAnswersRecordedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final Metrics metrics = new Metrics();
    private final Recorder recorder = new Recorder(metrics, new AccessLog(AccessLogConfig.Format.JSON, sink));
    private TestUpstream upstream;
    private EventLoopGroup group;
    private ScheduledExecutorService authExecutor;
    private Authentication authentication;
    private ProxyServer server;

    @BeforeEach
    void start() throws Exception {
        upstream = new TestUpstream();
        Path file = Files.createTempFile("sidecar", ".yaml");
        Files.writeString(
                file,
                "server:\n  listen: 127.0.0.1:0\n  requestHeadTimeout: 300ms\n"
                        + "  requestBodyTimeout: 300ms\nupstream:\n  url: " + upstream.url() + "\nauth:\n"
                        + RunningSidecar.keys());
        SidecarConfig config = ConfigLoader.load(file, List.of());
        Files.delete(file);
        group = Transport.NIO.newGroup(1, "deadline-test");
        authExecutor = Executors.newSingleThreadScheduledExecutor();
        authentication = new Authentication(config.auth(), authExecutor);
        UpstreamPool pool = new UpstreamPool(
                config.upstream(), new InetSocketAddress("127.0.0.1", upstream.port()), Transport.NIO, null);
        Stages stages = Stages.of(config, authentication, dev.authsidecar.forward.Upstreams.of(pool));
        server = ProxyServer.bind(config.server(), () -> stages, group, Transport.NIO, recorder, null);
    }

    @AfterEach
    void stop() {
        server.stopAccepting();
        server.closeAllConnections();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        authentication.close();
        authExecutor.shutdownNow();
        upstream.close();
    }

    @Test
    void aSlowlorisHeadGets408AndIsRecorded() throws Exception {
        try (RawHttp raw = new RawHttp(server.localAddress().getPort())) {
            raw.send("GET /private HTTP/1.1\r\nHost: app\r\n");
            String answer = trickleUntilAnswered(raw);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
        JsonNode line = onlyLine();
        assertThat(line.get("status").asInt()).isEqualTo(408);
        assertThat(line.get("protocol").asText()).isEqualTo("http/1.1");
        // The head never arrived: no method, no path, and nothing was authenticated.
        assertThat(line.get("method").isNull()).as(line.toString()).isTrue();
        assertThat(line.get("path").isNull()).as(line.toString()).isTrue();
        assertThat(line.get("authResult").asText()).isEqualTo("skipped");
        assertThat(line.get("requestId").asText()).isNotEmpty();
        assertThat(line.get("bytesOut").asLong()).isPositive();
        assertThat(scrape())
                .contains("auth_sidecar_requests_total{auth_result=\"skipped\",method=\"INVALID\","
                        + "protocol=\"http/1.1\",status_class=\"4xx\"} 1.0");
        assertThat(upstream.requests()).isZero();
    }

    @Test
    void aBodyThatStopsGets408AndIsRecorded() throws Exception {
        try (RawHttp raw = new RawHttp(server.localAddress().getPort())) {
            raw.send("POST /upload HTTP/1.1\r\nHost: app\r\nAuthorization: Bearer " + RunningSidecar.KEY
                    + "\r\nContent-Length: 100\r\n\r\n0123456789");
            raw.soTimeout(5000);
            assertThat(raw.readToEnd()).startsWith("HTTP/1.1 408");
        }
        JsonNode line = onlyLine();
        assertThat(line.get("status").asInt()).isEqualTo(408);
        assertThat(line.get("method").asText()).isEqualTo("POST");
        assertThat(line.get("path").asText()).isEqualTo("/upload");
        assertThat(line.get("bytesIn").asLong()).isEqualTo(10);
        assertThat(scrape())
                .contains("auth_sidecar_requests_total{auth_result=\"allowed\",method=\"POST\","
                        + "protocol=\"http/1.1\",status_class=\"4xx\"} 1.0");
    }

    @Test
    void anHttp2StreamWhoseBodyStopsGets408AndIsRecorded() throws Exception {
        try (RawH2 h2 = new RawH2(server.localAddress().getPort()).hello()) {
            h2.headers(
                    1,
                    RawH2.get("/upload")
                            .method("POST")
                            .add("authorization", "Bearer " + RunningSidecar.KEY)
                            .add("content-length", "100"),
                    false);
            h2.data(1, new byte[10], false);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=408");
        }
        JsonNode line = onlyLine();
        assertThat(line.get("status").asInt()).isEqualTo(408);
        assertThat(line.get("protocol").asText()).isEqualTo("h2c");
        assertThat(line.get("path").asText()).isEqualTo("/upload");
        assertThat(scrape())
                .contains("auth_sidecar_requests_total{auth_result=\"allowed\",method=\"POST\","
                        + "protocol=\"h2c\",status_class=\"4xx\"} 1.0");
    }

    /** Sends a header line every 50 ms (each one is activity; the head deadline is absolute) until answered. */
    private static String trickleUntilAnswered(RawHttp raw) throws Exception {
        for (int i = 0; i < 40; i++) {
            try {
                raw.send("X-Slow-" + i + ": y\r\n");
            } catch (IOException closed) {
                break;
            }
            Thread.sleep(50);
        }
        raw.soTimeout(5000);
        return raw.readToEnd();
    }

    private JsonNode onlyLine() throws Exception {
        // The answer is recorded before it is written; closing the recorder flushes the log.
        recorder.close();
        List<JsonNode> out = new ArrayList<>();
        for (String l : sink.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                out.add(JSON.readTree(l));
            }
        }
        assertThat(out).as("access-log lines").hasSize(1);
        return out.get(0);
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
