package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/observability.md names every TLS metric and every value of its closed label sets. */
final class TlsMetricsDocsTest {
    @TempDir
    Path dir;

    @Test
    void everyTlsMetricAndReasonIsDocumented() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        PrometheusRegistry registry = new PrometheusRegistry();
        ServerTls tls = ServerTls.start(
                TlsMaterialTest.config(
                        leaf.writeChain(dir.resolve("c.pem")),
                        leaf.writeKey(dir.resolve("k.pem")),
                        ca.writeCert(dir.resolve("ca.pem"))),
                registry);
        tls.reload();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String scraped = out.toString(StandardCharsets.UTF_8);
        String doc = Files.readString(Path.of("..", "docs", "observability.md"));

        for (String name : new String[] {
            "auth_sidecar_tls_handshake_failures",
            "auth_sidecar_tls_reloads",
            "auth_sidecar_tls_certificate_expiry_timestamp_seconds"
        }) {
            assertThat(scraped).contains("# TYPE " + name);
            assertThat(doc).contains("`" + name);
        }
        for (HandshakeFailure f : HandshakeFailure.values()) {
            assertThat(scraped).contains("reason=\"" + f.label() + "\"");
            assertThat(doc).contains("`" + f.label() + "`");
        }
        assertThat(scraped).contains("certificate=\"serving\"", "certificate=\"client_ca\"");
        assertThat(doc).contains("`serving`", "`client_ca`");
    }
}
