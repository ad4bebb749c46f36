package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code upstream.url: https://…} and its files as the loader reads them (the PEM content: UpstreamTlsTest). */
final class UpstreamTlsConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("ca.crt"), "x");
        Files.writeString(dir.resolve("client.crt"), "x");
        Files.writeString(dir.resolve("client.key"), "x");
    }

    private UpstreamConfig load(String upstreamLines) throws Exception {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, "upstream:\n" + upstreamLines);
        return ConfigLoader.load(file, List.of()).upstream();
    }

    @Test
    void httpsWithACaFileRelativeToTheConfigFile() throws Exception {
        UpstreamConfig u = load("  url: https://app.internal:8443\n  caFile: ca.crt\n");
        assertThat(u.url()).isEqualTo(URI.create("https://app.internal:8443"));
        assertThat(u.tls()).isEqualTo(new UpstreamTlsConfig(dir.resolve("ca.crt"), null, null));
        assertThat(u.port()).isEqualTo(8443);
        assertThat(u.http2()).isFalse();
    }

    @Test
    void httpsWithoutAPortIs443AndWithoutCaFileTrustsTheJdkStore() throws Exception {
        UpstreamConfig u = load("  url: https://app.internal\n");
        assertThat(u.port()).isEqualTo(443);
        assertThat(u.tls()).isEqualTo(new UpstreamTlsConfig(null, null, null));
    }

    @Test
    void httpHasNoTls() throws Exception {
        assertThat(ConfigLoader.defaults().upstream().tls()).isNull();
    }

    @Test
    void h2IsHttp2OverTls() throws Exception {
        UpstreamConfig u = load("  url: https://127.0.0.1:8443\n  protocol: h2\n");
        assertThat(u.protocol()).isEqualTo(UpstreamConfig.Protocol.H2);
        assertThat(u.http2()).isTrue();
    }

    @Test
    void aClientCertificateNeedsItsKey() throws Exception {
        assertThat(load("  url: https://127.0.0.1:8443\n  certFile: client.crt\n  keyFile: client.key\n")
                        .tls())
                .isEqualTo(new UpstreamTlsConfig(null, dir.resolve("client.crt"), dir.resolve("client.key")));
        assertThatThrownBy(() -> load("  url: https://127.0.0.1:8443\n  certFile: client.crt\n"))
                .hasMessageContaining("upstream.keyFile: certFile and keyFile go together");
    }

    @Test
    void tlsFilesWithAnHttpUrlAreRefusedNotIgnored() {
        assertThatThrownBy(() -> load("  url: http://127.0.0.1:8080\n  caFile: ca.crt\n"))
                .hasMessageContaining("upstream.caFile: is only used with an https:// url");
        assertThatThrownBy(() -> load("  url: http://127.0.0.1:8080\n  certFile: client.crt\n  keyFile: client.key\n"))
                .hasMessageContaining("upstream.certFile: is only used with an https:// url");
    }

    @Test
    void aMissingCaFileIsNamed() {
        assertThatThrownBy(() -> load("  url: https://127.0.0.1:8443\n  caFile: nope.crt\n"))
                .hasMessageContaining("upstream.caFile: file not found: " + dir.resolve("nope.crt"));
    }

    @Test
    void everyKeyHasAnEnvironmentVariable() throws Exception {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, "");
        java.util.Map<String, String> env = java.util.Map.of(
                "AUTH_SIDECAR_UPSTREAM_URL", "https://127.0.0.1:8443",
                "AUTH_SIDECAR_UPSTREAM_CA_FILE", "ca.crt",
                "AUTH_SIDECAR_UPSTREAM_CERT_FILE", "client.crt",
                "AUTH_SIDECAR_UPSTREAM_KEY_FILE", "client.key");
        UpstreamConfig u =
                ConfigLoader.load(file, EnvironmentOverrides.from(env)).upstream();
        assertThat(u.tls())
                .isEqualTo(new UpstreamTlsConfig(
                        dir.resolve("ca.crt"), dir.resolve("client.crt"), dir.resolve("client.key")));
    }
}
