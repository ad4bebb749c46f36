package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ConfigKey;
import dev.authsidecar.config.ConfigKeys;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.ConfigOverride;
import dev.authsidecar.config.Durations;
import dev.authsidecar.config.HostPort;
import dev.authsidecar.config.SidecarConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ReloadableTest {
    @TempDir
    Path dir;

    private SidecarConfig load(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("sidecar.yaml"), yaml), List.of());
    }

    @Test
    void appliesTheStagesPartsAndKeepsWhatWasBoundAtStart() throws Exception {
        SidecarConfig running = load("server:\n  listen: 127.0.0.1:1\n");
        SidecarConfig loaded = load("""
                server:
                  listen: 127.0.0.1:2
                  ioThreads: 3
                  trustForwardedHeaders: true
                upstream:
                  url: http://127.0.0.1:9
                  responseHeadTimeout: 5s
                  idleTimeout: 1s
                admin:
                  listen: 127.0.0.1:3
                auth:
                  publicPaths: [/open/**]
                  forwardCredential: true
                rules:
                  - path: /admin/**
                    deny: true
                shutdown:
                  drainDelay: 1s
                accessLog:
                  format: text
                """);

        Reloadable.Plan plan = Reloadable.plan(running, loaded);
        SidecarConfig e = plan.effective();

        assertThat(e.auth()).isEqualTo(loaded.auth());
        assertThat(e.authorization()).isEqualTo(loaded.authorization());
        assertThat(e.server().trustForwardedHeaders()).isTrue();
        assertThat(e.upstream().responseHeadTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(e.server().listen()).isEqualTo(new HostPort("127.0.0.1", 1));
        assertThat(e.server().ioThreads()).isZero();
        assertThat(e.upstream())
                .usingRecursiveComparison()
                .ignoringFields("responseHeadTimeout")
                .isEqualTo(running.upstream());
        assertThat(e.admin()).isEqualTo(running.admin());
        assertThat(e.shutdown()).isEqualTo(running.shutdown());
        assertThat(e.accessLog()).isEqualTo(running.accessLog());
        assertThat(plan.needRestart())
                .containsExactly(
                        "server.listen",
                        "server.ioThreads",
                        "upstream.url",
                        "upstream.idleTimeout",
                        "admin.listen",
                        "shutdown.drainDelay",
                        "accessLog.format");
    }

    @Test
    void nothingNeedsARestartWhenOnlyStagesChange() throws Exception {
        SidecarConfig running = load("");
        SidecarConfig loaded = load("auth:\n  publicPaths: [/healthz]\ndefaultRule: deny\n");

        Reloadable.Plan plan = Reloadable.plan(running, loaded);

        assertThat(plan.needRestart()).isEmpty();
        assertThat(plan.effective()).isEqualTo(loaded);
    }

    /**
     * The reference's reload column comes from the declarations; this holds the declarations to what a reload
     * does. Each single key is changed alone, from a configuration with every optional section present, and the
     * change must be applied, or reported as needing a restart, as its declaration says.
     */
    @Test
    void eachKeyIsAppliedOrWaitsForARestartAsDeclared() throws Exception {
        for (String file : List.of("tls.crt", "tls.key", "ca.crt", "secret", "other.pem")) {
            Files.writeString(dir.resolve(file), "x\n");
        }
        Files.writeString(dir.resolve("keys.yaml"), "- name: k\n  sha256: " + "b".repeat(64) + "\n");
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), """
                server:
                  tls:
                    certFile: tls.crt
                    keyFile: tls.key
                    clientCaFile: ca.crt
                auth:
                  introspection:
                    endpoint: https://idp.example/introspect
                    clientId: sidecar
                    clientSecretFile: secret
                """);
        int checked = 0;
        for (ConfigKey key : ConfigKeys.withVariables()) {
            // The upstream's TLS files need an https:// url, and the client certificate comes with its key.
            boolean upstreamTls = key.path().matches("upstream\\.(caFile|certFile|keyFile)");
            List<ConfigOverride> base = upstreamTls
                    ? List.of(new ConfigOverride("upstream.url", "https://127.0.0.1:8443", "test"))
                    : List.of();
            SidecarConfig running = ConfigLoader.load(file, base);
            List<ConfigOverride> changed = new java.util.ArrayList<>(base);
            changed.add(new ConfigOverride(key.path(), otherValue(key), "test"));
            if (key.path().equals("upstream.certFile") || key.path().equals("upstream.keyFile")) {
                changed.add(new ConfigOverride(
                        key.path().equals("upstream.certFile") ? "upstream.keyFile" : "upstream.certFile",
                        "other.pem",
                        "test"));
            }
            SidecarConfig loaded = ConfigLoader.load(file, changed);
            assertThat(loaded).as(key.path() + ": " + changed).isNotEqualTo(running);

            Reloadable.Plan plan = Reloadable.plan(running, loaded);

            if (key.reload() == ConfigKey.Reload.APPLIED) {
                assertThat(plan.needRestart()).as(key.path()).isEmpty();
                assertThat(plan.effective()).as(key.path()).isEqualTo(loaded);
            } else {
                // Reported by the record's name (upstream.caFile as upstream.tls); a key whose value is another's
                // default (server.maxHeaderBytes) changes that one too.
                assertThat(plan.needRestart()).as(key.path()).isNotEmpty();
                assertThat(plan.effective()).as(key.path()).isEqualTo(running);
            }
            checked++;
        }
        assertThat(checked).isEqualTo(ConfigKeys.withVariables().size());
    }

    /** A valid value that differs from the one {@link #eachKeyIsAppliedOrWaitsForARestartAsDeclared} runs with. */
    private static String otherValue(ConfigKey key) {
        String special = Map.of(
                        "server.tls.clientAuth", "optional",
                        "auth.payloadHeader", "X-Auth-Claims",
                        "auth.apiKeysFile", "keys.yaml",
                        "auth.introspection.endpoint", "https://other.example/introspect")
                .get(key.path());
        if (special != null) {
            return special;
        }
        if (key instanceof ConfigKey.IntKey k) {
            return Integer.toString(k.max());
        }
        if (key instanceof ConfigKey.DurationKey k) {
            return Durations.format(k.fallback().equals(k.max()) ? k.min() : k.max());
        }
        if (key instanceof ConfigKey.BoolKey k) {
            return Boolean.toString(!k.fallback());
        }
        String type = key.type();
        if (type.contains(" | ")) {
            List<String> choices = List.of(type.split(" \\| "));
            return choices.get(choices.get(0).equals(key.shownDefault()) ? 1 : 0);
        }
        return switch (type) {
            case "HOST:PORT" -> "127.0.0.1:1";
            case "URL" -> "http://127.0.0.1:1";
            case "file" -> "other.pem";
            default -> "other";
        };
    }

    @Test
    void theGrpcEndpointNeedsARestart() throws Exception {
        SidecarConfig running = load("upstream:\n  grpc:\n    url: http://127.0.0.1:9090\n");
        SidecarConfig loaded = load("upstream:\n  grpc:\n    url: http://127.0.0.1:9091\n");

        Reloadable.Plan plan = Reloadable.plan(running, loaded);

        assertThat(plan.needRestart()).containsExactly("upstream.grpc");
        assertThat(plan.effective().upstream().grpc())
                .isEqualTo(running.upstream().grpc());
    }
}
