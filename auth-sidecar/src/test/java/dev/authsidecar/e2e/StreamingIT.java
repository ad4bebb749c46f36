package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.testing.FreePorts;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1 GiB each way through a sidecar process whose heap and direct memory are capped far below that: if any
 * body were aggregated, the process would fail with OutOfMemoryError and the transfer would break.
 */
@Timeout(240)
class StreamingIT {
    private static final long GIB = 1L << 30;
    private static final List<String> SMALL_MEMORY =
            List.of("-Xmx48m", "-XX:MaxDirectMemorySize=48m", "-XX:+ExitOnOutOfMemoryError");
    private static TestUpstream upstream;
    private static JavaProcess sidecar;
    private static int port;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        port = FreePorts.one();
        Path config = Files.createTempFile("sidecar", ".yaml");
        Files.writeString(config, "auth:\n" + RunningSidecar.keys());
        sidecar = JavaProcess.start(
                "sidecar.jar",
                SMALL_MEMORY,
                List.of(
                        "--config",
                        config.toString(),
                        "--listen",
                        "127.0.0.1:" + port,
                        "--upstream",
                        upstream.url(),
                        "--admin-listen",
                        "127.0.0.1:" + FreePorts.one()));
        sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() throws Exception {
        sidecar.close();
        upstream.close();
    }

    @Test
    void oneGibibyteUpload() throws Exception {
        CRC32 expected = new CRC32();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                        .header("Authorization", "Bearer " + RunningSidecar.KEY)
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(GIB, expected)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("bytes").asLong()).isEqualTo(GIB);
        assertThat(body.get("crc32").asLong()).isEqualTo(expected.getValue());
        assertThat(sidecar.pid())
                .matches(
                        pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void oneGibibyteDownload() throws Exception {
        HttpResponse<InputStream> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/download?bytes=" + GIB))
                        .header("Authorization", "Bearer " + RunningSidecar.KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long n = 0;
        long mismatches = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = r.body()) {
            int read;
            while ((read = in.read(buf)) != -1) {
                for (int i = 0; i < read; i += 4093) {
                    if (buf[i] != TestUpstream.patternByte(n + i)) {
                        mismatches++;
                    }
                }
                n += read;
            }
        }
        assertThat(n).isEqualTo(GIB);
        assertThat(mismatches).isZero();
    }

    /** Generates the test pattern without holding it, and checksums what it handed out. */
    private static final class PatternStream extends InputStream {
        private final long total;
        private final CRC32 crc;
        private long offset;

        PatternStream(long total, CRC32 crc) {
            this.total = total;
            this.crc = crc;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (offset >= total) {
                return -1;
            }
            int n = (int) Math.min(len, total - offset);
            for (int i = 0; i < n; i++) {
                b[off + i] = TestUpstream.patternByte(offset + i);
            }
            crc.update(b, off, n);
            offset += n;
            return n;
        }
    }
}
