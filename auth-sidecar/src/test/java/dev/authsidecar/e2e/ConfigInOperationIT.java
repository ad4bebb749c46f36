package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.testing.FreePorts;
import dev.authsidecar.testing.JwksServer;
import dev.authsidecar.testing.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as its own process: check-config, environment variables, and a reload. */
@Timeout(90)
class ConfigInOperationIT {
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    /** Runs the jar to completion with extra environment variables; stdout and stderr kept apart. */
    private Result run(Map<String, String> env, String... args) throws Exception {
        String jar = System.getProperty("sidecar.jar");
        List<String> command =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar));
        command.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AUTH_SIDECAR_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("check-config did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void checkConfigExits0ForAValidFileAnd2WithTheReasonOtherwise() throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"), "auth:\n" + RunningSidecar.keys());
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "auth:\n  apiKeys:\n    - name: x\n      sha256: nope\n");

        Result ok = run(Map.of(), "check-config", "--config", good.toString());
        Result refused = run(Map.of(), "check-config", "--config", bad.toString());
        Result typo = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_URI", "http://127.0.0.1:1"), "check-config", "--config", good.toString());
        Result overridden = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_URL", "http://127.0.0.1:1234"),
                "check-config",
                "--config",
                good.toString());

        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).startsWith("OK: " + good + "\n").contains("2 API key(s)");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err())
                .isEqualTo("auth-sidecar: invalid configuration: " + bad
                        + ": auth.apiKeys[0].sha256: expected 64 hex digits (the output of `auth-sidecar gen-key` or "
                        + "`hash-key`)\n");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err())
                .isEqualTo("auth-sidecar: invalid configuration: AUTH_SIDECAR_UPSTREAM_URI: not a "
                        + "configuration variable; did you mean AUTH_SIDECAR_UPSTREAM_URL?\n");
        assertThat(overridden.exit()).isZero();
        assertThat(overridden.out()).contains("upstream http://127.0.0.1:1234");
    }

    @Test
    void aRunningSidecarTakesItsAddressFromTheEnvironmentAndAppliesANewKey() throws Exception {
        int port = FreePorts.one();
        String newKey = "sk_dave_0123456789abcdef";
        Path keys = Files.writeString(
                dir.resolve("keys.yaml"),
                "- name: alice\n  sha256: " + RunningSidecar.sha256(RunningSidecar.KEY) + "\n");
        try (TestUpstream app = new TestUpstream()) {
            Path config = Files.writeString(
                    dir.resolve("sidecar.yaml"),
                    "upstream:\n  url: " + app.url() + "\n"
                            + "auth:\n  apiKeysFile: keys.yaml\nshutdown:\n  drainDelay: 0s\n");
            ProcessBuilder pb = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-jar",
                            System.getProperty("sidecar.jar"),
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sidecar.log").toFile());
            pb.environment().put("AUTH_SIDECAR_SERVER_LISTEN", "127.0.0.1:" + port);
            pb.environment().put("AUTH_SIDECAR_ADMIN_LISTEN", "127.0.0.1:0");
            Process sidecar = pb.start();
            try {
                awaitLog("auth-sidecar listening on 127.0.0.1:" + port);
                assertThat(status(port, RunningSidecar.KEY)).isEqualTo(200);
                assertThat(status(port, newKey)).isEqualTo(401);

                Path next = Files.writeString(
                        dir.resolve("keys.next"),
                        Files.readString(keys) + "- name: dave\n  sha256: " + RunningSidecar.sha256(newKey) + "\n");
                Files.move(next, keys, StandardCopyOption.ATOMIC_MOVE);

                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (status(port, newKey) != 200) {
                    assertThat(System.nanoTime())
                            .as("new key accepted; log:\n" + log())
                            .isLessThan(deadline);
                    Thread.sleep(50);
                }
                assertThat(status(port, RunningSidecar.KEY)).isEqualTo(200);
                // The line is written right after the swap, by another thread: give it a moment.
                awaitLog("configuration reloaded from " + config);
            } finally {
                sidecar.destroy();
                assertThat(sidecar.waitFor(15, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(sidecar.exitValue()).isZero();
        }
    }

    /**
     * The command validates the configuration and starts with the authenticate stage it built while doing so: one
     * HTTP client and one key-set fetch per remote provider, not a stage built for the check and another to run.
     */
    @Test
    void startUpBuildsTheAuthenticateStageOnce() throws Exception {
        int port = FreePorts.one();
        try (TestUpstream app = new TestUpstream();
                JwksServer idp = new JwksServer().serve(Tokens.rsa("k"))) {
            Path config = Files.writeString(
                    dir.resolve("sidecar.yaml"),
                    "server:\n  listen: 127.0.0.1:" + port
                            + "\nadmin:\n  listen: 127.0.0.1:0\nupstream:\n  url: " + app.url() + "\n"
                            + "auth:\n  jwt:\n    providers:\n      - name: shop\n        issuer: https://idp.test\n"
                            + "        audiences: [main-service]\n        jwksUri: " + idp.jwksUri() + "\n"
                            + "shutdown:\n  drainDelay: 0s\n");
            Process sidecar = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-jar",
                            System.getProperty("sidecar.jar"),
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sidecar.log").toFile())
                    .start();
            try {
                awaitLog("auth-sidecar listening on 127.0.0.1:" + port);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (idp.jwksRequests() == 0) {
                    assertThat(System.nanoTime())
                            .as("the first key-set fetch; log:\n" + log())
                            .isLessThan(deadline);
                    Thread.sleep(25);
                }
                Matcher admin =
                        Pattern.compile("\\(admin 127\\.0\\.0\\.1:(\\d+)\\)").matcher(log());
                assertThat(admin.find()).as(log()).isTrue();
                String metrics = client.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.group(1) + "/metrics"))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();

                assertThat(metrics).contains("auth_sidecar_idp_clients_opened_total 1.0\n");
                assertThat(metrics).contains("auth_sidecar_idp_clients_closed_total 0.0\n");
                assertThat(idp.jwksRequests()).as("key-set fetches at start-up").isEqualTo(1);
            } finally {
                sidecar.destroy();
                assertThat(sidecar.waitFor(15, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(sidecar.exitValue()).isZero();
        }
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("sidecar.log"));
    }

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!log().contains(text)) {
            assertThat(System.nanoTime())
                    .as("'" + text + "' in the log:\n" + log())
                    .isLessThan(deadline);
            Thread.sleep(25);
        }
    }

    private int status(int port, String key) throws Exception {
        return client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
                                .header("Authorization", "Bearer " + key)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
