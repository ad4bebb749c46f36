package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code server.tls} as the loader reads it: what can be judged without the PEM content (see TlsMaterialTest). */
final class TlsConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("tls.crt"), "x");
        Files.writeString(dir.resolve("tls.key"), "x");
        Files.writeString(dir.resolve("ca.crt"), "x");
    }

    private SidecarConfig load(String tlsLines) throws Exception {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, "server:\n  tls:\n    certFile: tls.crt\n    keyFile: tls.key\n" + tlsLines);
        return ConfigLoader.load(file, List.of());
    }

    @Test
    void withoutTheSectionTheListenerIsCleartext() throws Exception {
        assertThat(ConfigLoader.defaults().server().tls()).isNull();
        assertThat(ConfigLoader.defaults().server().secure()).isFalse();
    }

    @Test
    void safeDefaults() throws Exception {
        TlsConfig t = load("").server().tls();

        assertThat(t.certFile()).isEqualTo(dir.resolve("tls.crt"));
        assertThat(t.keyFile()).isEqualTo(dir.resolve("tls.key"));
        assertThat(t.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(t.cipherSuites())
                .startsWith("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
                .contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
                .allMatch(s -> s.startsWith("TLS_AES") || s.startsWith("TLS_CHACHA20") || s.startsWith("TLS_ECDHE_"))
                .noneMatch(s -> s.contains("CBC") || s.startsWith("TLS_RSA_"));
        assertThat(t.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(t.clientAuth()).isEqualTo(TlsConfig.ClientAuth.NONE);
        assertThat(t.clientCaFile()).isNull();
    }

    @Test
    void tls13OnlyOffersOnlyTls13Suites() throws Exception {
        TlsConfig t = load("    minVersion: TLSv1.3\n").server().tls();

        assertThat(t.protocols()).containsExactly("TLSv1.3");
        assertThat(t.cipherSuites()).allMatch(s -> !s.startsWith("TLS_ECDHE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1", "TLSv1.1", "SSLv3"})
    void oldVersionsAreRefusedAtLoad(String version) {
        assertThatThrownBy(() -> load("    minVersion: " + version + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.tls.minVersion: " + version + " is refused");
    }

    @Test
    void aCipherSuiteOverrideIsCheckedAgainstTheJdkAndStrength() throws Exception {
        TlsConfig t = load("    cipherSuites: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n")
                .server()
                .tls();
        assertThat(t.cipherSuites()).containsExactly("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

        assertThatThrownBy(() -> load("    cipherSuites: [TLS_AES_128_GCM_SHA256, TLS_FANCY_NEW_SUITE]\n"))
                .hasMessageContaining(
                        "server.tls.cipherSuites: 'TLS_FANCY_NEW_SUITE' is not a cipher suite this JDK supports");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                "TLS_RSA_WITH_AES_256_CBC_SHA256"
            })
    void weakSuitesAreRefused(String weak) {
        assertThatThrownBy(() -> load("    cipherSuites: [TLS_AES_128_GCM_SHA256, " + weak + "]\n"))
                .hasMessageContaining("'" + weak + "' is refused as weak");
    }

    @Test
    void anOverrideMustServeTheEnabledVersions() {
        assertThatThrownBy(() -> load("    cipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n"))
                .hasMessageContaining("lists no TLS 1.3 suite");
        assertThatThrownBy(() -> load("    cipherSuites: [TLS_AES_128_GCM_SHA256]\n"))
                .hasMessageContaining("lists no TLS 1.2 suite although minVersion is TLSv1.2");
        assertThatThrownBy(() -> load("    cipherSuites: []\n")).hasMessageContaining("must not be empty");
    }

    @ParameterizedTest
    @CsvSource({"'', require", "'    clientAuth: optional\n', optional", "'    clientAuth: require\n', require"})
    void clientCertificates(String line, String expected) throws Exception {
        TlsConfig t = load("    clientCaFile: ca.crt\n" + line).server().tls();

        assertThat(t.clientCaFile()).isEqualTo(dir.resolve("ca.crt"));
        assertThat(t.clientAuth().name().toLowerCase()).isEqualTo(expected);
    }

    @Test
    void clientAuthAndItsCaComeTogether() {
        assertThatThrownBy(() -> load("    clientAuth: require\n"))
                .hasMessageContaining("server.tls.clientAuth: require needs clientCaFile");
        assertThatThrownBy(() -> load("    clientCaFile: ca.crt\n    clientAuth: none\n"))
                .hasMessageContaining("server.tls.clientCaFile: is set but clientAuth is none");
        assertThatThrownBy(() -> load("    clientCaFile: ca.crt\n    clientAuth: sometimes\n"))
                .hasMessageContaining("expected none, optional or require, got 'sometimes'");
    }

    @Test
    void filesMustExistAndBothBeGiven() throws Exception {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, "server:\n  tls:\n    certFile: tls.crt\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("server.tls.keyFile: required when server.tls is set");

        assertThatThrownBy(() -> load("    clientCaFile: nope.crt\n"))
                .hasMessageContaining("server.tls.clientCaFile: file not found");
        assertThatThrownBy(() -> load("    handshakeTimeout: 10ms\n"))
                .hasMessageContaining("server.tls.handshakeTimeout");
        assertThatThrownBy(() -> load("    certfile: x\n"))
                .hasMessageContaining("server.tls.certfile: unknown key; did you mean certFile?");
    }

    @Test
    void environmentVariablesSetTheScalars() throws Exception {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, "server:\n  listen: 127.0.0.1:0\n");
        SidecarConfig c = ConfigLoader.load(
                file,
                EnvironmentOverrides.from(java.util.Map.of(
                        "AUTH_SIDECAR_SERVER_TLS_CERT_FILE",
                        "tls.crt",
                        "AUTH_SIDECAR_SERVER_TLS_KEY_FILE",
                        "tls.key",
                        "AUTH_SIDECAR_SERVER_TLS_MIN_VERSION",
                        "TLSv1.3")));

        assertThat(c.server().tls().protocols()).containsExactly("TLSv1.3");
        assertThat(c.server().secure()).isTrue();
    }

    @Test
    void mtlsAndRuleRequirements() throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, """
                auth:
                  mtls: {subjectFrom: dns-san, forwardClientCert: true}
                rules:
                  - path: /a/**
                    require: {authMethods: [jwt, mtls], subjects: ["spiffe://td/ns/a/**", "exact"]}
                """);
        SidecarConfig c = ConfigLoader.load(file, List.of());

        assertThat(c.auth().mtls()).isEqualTo(new MtlsConfig(MtlsConfig.SubjectFrom.DNS_SAN, true));
        assertThat(ConfigLoader.defaults().auth().mtls()).isEqualTo(MtlsConfig.DEFAULT);
        assertThat(c.authorization().rules().get(0).authMethods()).containsExactlyInAnyOrder("jwt", "mtls");
        assertThat(c.authorization().rules().get(0).subjects()).containsExactly("spiffe://td/ns/a/**", "exact");

        Files.writeString(file, "auth:\n  mtls: {subjectFrom: email}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("auth.mtls.subjectFrom: expected uri-san, dns-san or subject-cn, got 'email'");
        Files.writeString(file, "rules:\n  - path: /a\n    require: {authMethods: [mTLS]}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("authMethods: expected any of api-key, jwt, introspection, mtls, got 'mTLS'");
        Files.writeString(file, "rules:\n  - path: /a\n    require: {subjects: [\"spiffe://td/*/x\"]}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("expected an exact subject or a prefix ending in /**");
    }

    @Test
    void theProviderIsJdkOrOpensslAndOpensslIsCheckedToLoad() throws Exception {
        assertThat(load("").server().tls().provider()).isEqualTo(TlsSection.DEFAULT_PROVIDER);
        assertThat(load("    provider: jdk\n").server().tls().provider()).isEqualTo(TlsConfig.Provider.JDK);
        assertThat(load("    provider: openssl\n").server().tls().provider()).isEqualTo(TlsConfig.Provider.OPENSSL);
        assertThatThrownBy(() -> load("    provider: boringssl\n"))
                .hasMessageContaining("server.tls.provider: expected jdk or openssl, got 'boringssl'");
        assertThat(EnvironmentOverrides.KEYS).contains("server.tls.provider");
    }

    @Test
    void aSuiteBoringSslLacksIsRefusedWithOpensslAndAllowedWithTheJdk() throws Exception {
        String suites = "    cipherSuites: [TLS_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256]\n";
        assertThatThrownBy(() -> load(suites + "    provider: openssl\n"))
                .hasMessageContaining("server.tls.cipherSuites: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' is not offered "
                        + "by BoringSSL (provider: openssl)");
        assertThat(load(suites + "    provider: jdk\n").server().tls().cipherSuites())
                .contains("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
    }

    /**
     * A JVM where netty-tcnative cannot load (here: switched off the way Netty documents) must refuse openssl with
     * the reason, never serve with the JDK instead. In a process of its own, since OpenSsl decides once per JVM.
     */
    @Test
    void opensslWithoutTheNativeLibraryStopsWithTheReason() throws Exception {
        Files.writeString(
                dir.resolve("sidecar.yaml"),
                "server:\n  tls:\n    provider: openssl\n" + "    certFile: tls.crt\n    keyFile: tls.key\n");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dio.netty.handler.ssl.noOpenSsl=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.authsidecar.cli.Main",
                        "check-config",
                        "--config",
                        dir.resolve("sidecar.yaml").toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out)
                .contains("server.tls.provider: openssl needs netty-tcnative's BoringSSL library")
                .contains("noOpenSsl")
                .contains("use provider: jdk");
    }
}
