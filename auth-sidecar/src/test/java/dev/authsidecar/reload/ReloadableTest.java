package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.HostPort;
import dev.authsidecar.config.SidecarConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        assertThat(e.upstream()).usingRecursiveComparison().ignoringFields("responseHeadTimeout")
                .isEqualTo(running.upstream());
        assertThat(e.admin()).isEqualTo(running.admin());
        assertThat(e.shutdown()).isEqualTo(running.shutdown());
        assertThat(e.accessLog()).isEqualTo(running.accessLog());
        assertThat(plan.needRestart()).containsExactly("server.listen", "server.ioThreads", "upstream.url",
                "upstream.idleTimeout", "admin.listen", "shutdown.drainDelay", "accessLog.format");
    }

    @Test
    void nothingNeedsARestartWhenOnlyStagesChange() throws Exception {
        SidecarConfig running = load("");
        SidecarConfig loaded = load("auth:\n  publicPaths: [/healthz]\ndefaultRule: deny\n");

        Reloadable.Plan plan = Reloadable.plan(running, loaded);

        assertThat(plan.needRestart()).isEmpty();
        assertThat(plan.effective()).isEqualTo(loaded);
    }

    @Test
    void theGrpcEndpointNeedsARestart() throws Exception {
        SidecarConfig running = load("upstream:\n  grpc:\n    url: http://127.0.0.1:9090\n");
        SidecarConfig loaded = load("upstream:\n  grpc:\n    url: http://127.0.0.1:9091\n");

        Reloadable.Plan plan = Reloadable.plan(running, loaded);

        assertThat(plan.needRestart()).containsExactly("upstream.grpc");
        assertThat(plan.effective().upstream().grpc()).isEqualTo(running.upstream().grpc());
    }
}
