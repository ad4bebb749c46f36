package dev.authsidecar.start;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.authsidecar.Sidecar;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.ConfigOverride;
import dev.authsidecar.config.SidecarConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What start-up tells an operator about a configuration that is valid but probably not meant. */
final class StartupWarningsTest {
    private static final List<ConfigOverride> EPHEMERAL = List.of(
            new ConfigOverride("server.listen", "127.0.0.1:0", "test"),
            new ConfigOverride("admin.listen", "127.0.0.1:0", "test"));

    @Test
    void noCredentialSourceAtAllIsAWarning() throws Exception {
        List<String> warnings = warningsAtStart(ConfigLoader.load(null, EPHEMERAL));

        assertThat(warnings)
                .containsExactly("no credential source is configured (no API keys, JWT providers, "
                        + "introspection or client certificates): every request that a public path or an anonymous rule does not let in will be "
                        + "refused with 401");
    }

    @Test
    void clientCertificatesAreACredentialSourceAndAnMtlsRuleWithoutThemIsAWarning(@TempDir java.nio.file.Path dir)
            throws Exception {
        dev.authsidecar.tls.TestCertificates.Issued ca = dev.authsidecar.tls.TestCertificates.ca("ca");
        dev.authsidecar.tls.TestCertificates.Issued leaf = dev.authsidecar.tls.TestCertificates.server(ca);
        String tls = "server:\n  tls:\n    certFile: " + leaf.writeChain(dir.resolve("c.pem")) + "\n    keyFile: "
                + leaf.writeKey(dir.resolve("k.pem")) + "\n";
        String rule = "rules:\n  - path: /internal/**\n    require: {authMethods: [mtls]}\n";
        java.nio.file.Path file = dir.resolve("sidecar.yaml");

        java.nio.file.Files.writeString(
                file, tls + "    clientCaFile: " + ca.writeCert(dir.resolve("ca.pem")) + "\n" + rule);
        assertThat(warningsAtStart(ConfigLoader.load(file, EPHEMERAL))).isEmpty();

        java.nio.file.Files.writeString(
                file, tls + "auth:\n  apiKeys:\n    - {name: a, sha256: " + "a".repeat(64) + "}\n" + rule);
        assertThat(warningsAtStart(ConfigLoader.load(file, EPHEMERAL)))
                .containsExactly("rules[0] (/internal/**) "
                        + "requires authMethods mtls, but the listener asks for no client certificate (server.tls.clientCaFile): "
                        + "every request it matches will be refused with 403");
    }

    @Test
    void anApiKeyIsACredentialSource() throws Exception {
        List<ConfigOverride> overrides = new java.util.ArrayList<>(EPHEMERAL);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("sidecar", ".yaml");
        java.nio.file.Files.writeString(file, "auth:\n  apiKeys:\n    - {name: a, sha256: " + "a".repeat(64) + "}\n");
        try {
            assertThat(warningsAtStart(ConfigLoader.load(file, overrides))).isEmpty();
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    private static List<String> warningsAtStart(SidecarConfig config) throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(Sidecar.class);
        logger.addAppender(log);
        try (Sidecar sidecar = Sidecar.start(config)) {
            return log.list.stream()
                    .filter(e -> e.getLevel().toString().equals("WARN"))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        } finally {
            logger.detachAppender(log);
        }
    }
}
