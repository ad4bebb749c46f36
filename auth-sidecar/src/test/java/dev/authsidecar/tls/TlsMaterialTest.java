package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The PEM files, read as they would be at start-up and on rotation. */
final class TlsMaterialTest {
    @TempDir
    Path dir;

    static TlsConfig config(Path cert, Path key, Path ca) {
        return config(cert, key, ca, TlsConfig.Provider.JDK);
    }

    static TlsConfig config(Path cert, Path key, Path ca, TlsConfig.Provider provider) {
        return new TlsConfig(
                cert,
                key,
                List.of("TLSv1.3", "TLSv1.2"),
                List.of(
                        "TLS_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                Duration.ofSeconds(10),
                ca,
                ca == null ? TlsConfig.ClientAuth.NONE : TlsConfig.ClientAuth.REQUIRE,
                TlsConfig.alpn(true),
                provider);
    }

    @ParameterizedTest(name = "{0} key, {1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "EC, JDK",
        "RSA, JDK",
        "Ed25519, JDK",
        "EC, OPENSSL",
        "RSA, OPENSSL",
        "Ed25519, OPENSSL"
    })
    void pkcs8KeysAndChainsLoad(String algorithm, TlsConfig.Provider provider) throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued leaf = TestCertificates.leaf(
                ca,
                "svc",
                algorithm,
                java.time.Instant.now(),
                java.time.Instant.now().plus(Duration.ofDays(3)),
                List.of(TestCertificates.dns("svc")));
        TlsMaterial m = TlsMaterial.load(config(
                leaf.writeChain(dir.resolve("c.pem")),
                leaf.writeKey(dir.resolve("k.pem")),
                ca.writeCert(dir.resolve("ca.pem")),
                provider));

        assertThat(m.chain()).hasSize(2);
        assertThat(m.servingExpiry()).isEqualTo(leaf.cert().getNotAfter().toInstant());
        assertThat(m.clientCaExpiry()).isEqualTo(ca.cert().getNotAfter().toInstant());
        assertThat(m.context().isServer()).isTrue();
        assertThat(m.context())
                .isInstanceOf(
                        provider == TlsConfig.Provider.OPENSSL
                                ? io.netty.handler.ssl.OpenSslContext.class
                                : io.netty.handler.ssl.JdkSslContext.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void traditionalKeysAreRefusedWithTheCommandThatConvertsThem(String algorithm) {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued leaf = TestCertificates.leaf(
                ca,
                "svc",
                algorithm,
                java.time.Instant.now(),
                java.time.Instant.now().plus(Duration.ofDays(3)),
                List.of());
        Path key = leaf.writeTraditionalKey(dir.resolve("k.pem"));

        assertThatThrownBy(() -> TlsMaterial.load(config(leaf.writeCert(dir.resolve("c.pem")), key, null)))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(algorithm + " PRIVATE KEY (PKCS#1/SEC1) is not supported")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued a = TestCertificates.server(ca);
        TestCertificates.Issued b = TestCertificates.server(ca);

        assertThatThrownBy(() -> TlsMaterial.load(
                        config(a.writeCert(dir.resolve("c.pem")), b.writeKey(dir.resolve("k.pem")), null)))
                .hasMessageContaining("this private key does not belong to the certificate in certFile")
                .satisfies(e -> assertThat(((TlsException) e).keyPath()).isEqualTo("server.tls.keyFile"));
    }

    @Test
    void swappedOrEmptyFilesAreRefusedClearly() throws Exception {
        TestCertificates.Issued leaf = TestCertificates.server(TestCertificates.ca("ca"));
        Path cert = leaf.writeCert(dir.resolve("c.pem"));
        Path key = leaf.writeKey(dir.resolve("k.pem"));

        assertThatThrownBy(() -> TlsMaterial.load(config(key, cert, null)))
                .hasMessageContaining(
                        "holds a PRIVATE KEY block; expected only CERTIFICATE blocks (is this the key file?)");
        Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> TlsMaterial.load(config(dir.resolve("empty.pem"), key, null)))
                .hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> TlsMaterial.load(config(cert, dir.resolve("empty.pem"), null)))
                .hasMessageContaining("no PEM private key");
        Files.writeString(dir.resolve("bad.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsMaterial.load(config(dir.resolve("bad.pem"), key, null)))
                .hasMessageContaining("not a valid X.509 certificate");
    }

    @Test
    void messagesNeverQuoteTheKey() {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        String keyPem = TestCertificates.write(dir.resolve("k.pem"), "").toString();
        Path key = leaf.writeTraditionalKey(dir.resolve("k.pem"));
        String body =
                TestCertificates.pem(leaf.keys()).lines().skip(1).findFirst().orElseThrow();

        assertThatThrownBy(() -> TlsMaterial.load(config(leaf.writeCert(dir.resolve("c.pem")), key, null)))
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(body.substring(0, 20))
                        .contains(keyPem));
    }
}
