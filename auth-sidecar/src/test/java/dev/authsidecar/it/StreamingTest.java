package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bodies pass through intact in both directions. The bounded-memory half (1 GiB each way through a sidecar
 * process with a small heap) is in {@code dev.authsidecar.e2e.StreamingIT}.
 */
@Timeout(60)
class StreamingTest {
    private static final long SIZE = 64L * 1024 * 1024;

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url);

    @Test
    void uploadArrivesComplete() throws Exception {
        CRC32 expected = new CRC32();
        byte[] all = new byte[(int) SIZE];
        for (int i = 0; i < all.length; i++) {
            all[i] = TestUpstream.patternByte(i);
        }
        expected.update(all);
        HttpResponse<String> r = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/upload"))
                                .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(all))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("bytes").asLong()).isEqualTo(SIZE);
        assertThat(body.get("crc32").asLong()).isEqualTo(expected.getValue());
    }

    @Test
    void downloadArrivesComplete() throws Exception {
        HttpResponse<InputStream> r = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/download?bytes=" + SIZE))
                                .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long n = 0;
        boolean intact = true;
        byte[] buf = new byte[65536];
        try (InputStream in = r.body()) {
            int read;
            while ((read = in.read(buf)) != -1) {
                for (int i = 0; i < read; i++) {
                    intact &= buf[i] == TestUpstream.patternByte(n + i);
                }
                n += read;
            }
        }
        assertThat(n).isEqualTo(SIZE);
        assertThat(intact).isTrue();
    }
}
