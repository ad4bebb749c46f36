package dev.authsidecar.record;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.accept.TestPipelines;
import dev.authsidecar.config.AccessLogConfig;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.net.Transport;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.testing.ApiKeysOnly;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the record stage keeps of the answers the sidecar gives itself, through the real client pipeline. */
final class RecordedAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final Metrics metrics = new Metrics();
    private final Recorder recorder = new Recorder(metrics, new AccessLog(AccessLogConfig.Format.JSON, sink));

    @Test
    void theSidecarsOwnAnswerIsLoggedWithItsBodySize() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET /private HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));
        String response = readAll(ch);
        int bodyBytes = response.length() - response.indexOf("\r\n\r\n") - 4;

        JsonNode line = lines().get(0);

        assertThat(line.get("status").asInt()).isEqualTo(401);
        assertThat(bodyBytes).isGreaterThan(0);
        assertThat(line.get("bytesOut").asLong()).isEqualTo(bodyBytes);
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnparseableRequestLineHasNoMethod() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", ISO_8859_1));
        assertThat(readAll(ch)).startsWith("HTTP/1.1 400");

        JsonNode line = lines().get(0);
        ByteArrayOutputStream scrape = new ByteArrayOutputStream();
        metrics.write(scrape);

        assertThat(line.get("method").isNull()).as(line.toString()).isTrue();
        assertThat(scrape.toString(StandardCharsets.UTF_8))
                .contains(
                        "auth_sidecar_requests_total{auth_result=\"skipped\",method=\"INVALID\",protocol=\"http/1.1\",status_class=\"4xx\"} 1.0")
                .doesNotContain("method=\"GET\"");
        ch.finishAndReleaseAll();
    }

    private EmbeddedChannel channel() throws Exception {
        SidecarConfig config = ConfigLoader.defaults();
        UpstreamPool pool =
                new UpstreamPool(config.upstream(), new InetSocketAddress("127.0.0.1", 9), Transport.NIO, null);
        Stages stages = ApiKeysOnly.stages(config, pool);
        return TestPipelines.client(config.server(), () -> stages, recorder);
    }

    private static String readAll(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    private List<JsonNode> lines() throws IOException {
        recorder.close();
        List<JsonNode> out = new ArrayList<>();
        for (String l : sink.toString(StandardCharsets.UTF_8).split("\n")) {
            out.add(JSON.readTree(l));
        }
        return out;
    }
}
