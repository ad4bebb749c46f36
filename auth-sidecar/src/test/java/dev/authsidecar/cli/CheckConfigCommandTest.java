package dev.authsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code check-config} run in-process, as {@code main} would, with its output captured. */
final class CheckConfigCommandTest {
    private static final String SHA = "a".repeat(64);

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private static Run run(Map<String, String> environment, String... args) {
        Main main = new Main();
        main.environment = environment;
        CommandLine cli = Main.commandLine(main);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aValidFileIsOkWithASummary() throws IOException {
        Path file = write("sidecar.yaml", """
                server:
                  listen: 127.0.0.1:8081
                auth:
                  apiKeys:
                    - name: billing
                      sha256: %s
                  publicPaths: [/healthz]
                rules:
                  - path: /admin/**
                    deny: true
                """.formatted(SHA));

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out())
                .startsWith("OK: " + file + "\n")
                .contains("listen 127.0.0.1:8081", "1 API key(s)", "1 rule(s) + 1 public path(s)");
    }

    @Test
    void flagsBeforeTheSubcommandAreHonoured() throws IOException {
        Path file = write("sidecar.yaml", "auth:\n  apiKeys:\n    - {name: a, sha256: %s}\n".formatted(SHA));

        Run r = run(
                Map.of(),
                "--listen",
                "127.0.0.1:7001",
                "--config",
                file.toString(),
                "check-config",
                "--upstream",
                "http://127.0.0.1:7002");

        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .startsWith("OK: " + file + "\n")
                .contains("listen 127.0.0.1:7001", "upstream http://127.0.0.1:7002");
    }

    @Test
    void aFlagGivenBeforeAndAfterWithDifferentValuesIsRefused() throws IOException {
        Path file = write("sidecar.yaml", "");

        Run r = run(
                Map.of(),
                "--listen",
                "127.0.0.1:7001",
                "check-config",
                "--config",
                file.toString(),
                "--listen",
                "127.0.0.1:7003");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("auth-sidecar: invalid configuration: --listen: given twice with different "
                        + "values ('127.0.0.1:7001' before the subcommand, '127.0.0.1:7003' after it)\n");
    }

    @Test
    void checkConfigWithoutAFileSaysSo() {
        Run r = run(Map.of(), "check-config");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("auth-sidecar: invalid configuration: --config: check-config needs the file to "
                        + "check: --config FILE\n");
    }

    @Test
    void checkConfigWarnsWhenNoCredentialSourceIsConfigured() throws IOException {
        Path file = write("sidecar.yaml", "auth:\n  publicPaths: [/healthz]\n");

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("\n  warning: no credential source is configured (no API keys, JWT providers, "
                        + "introspection or client certificates): every request that a public path or an anonymous rule does not let in will be "
                        + "refused with 401\n");
    }

    @Test
    void aSidecarFlagBeforeAnotherSubcommandIsRefusedNotIgnored() {
        Run r = run(Map.of(), "--listen", "127.0.0.1:7001", "gen-key");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err())
                .isEqualTo("auth-sidecar: --listen configures the sidecar and has no meaning for gen-key; "
                        + "remove it\n");
    }

    @Test
    void anInvalidFileExits2WithTheMessageStartUpPrints() throws IOException {
        Path file = write("sidecar.yaml", "server:\n  lisen: 127.0.0.1:8081\n");

        Run check = run(Map.of(), "check-config", "--config", file.toString());
        Run start = run(Map.of(), "--config", file.toString());

        assertThat(check.exit()).isEqualTo(2);
        assertThat(check.out()).isEmpty();
        assertThat(check.err())
                .isEqualTo("auth-sidecar: invalid configuration: " + file
                        + ": server.lisen: unknown key; did you mean listen? (known keys here: http2, idleTimeout, ioThreads, "
                        + "listen, maxConnections, maxHeaderBytes, maxRequestLineBytes, requestBodyTimeout, requestHeadTimeout, tls, "
                        + "transport, trustForwardedHeaders, tunnelIdleTimeout, upgrades)\n");
        assertThat(start.exit()).isEqualTo(2);
        assertThat(start.err()).isEqualTo(check.err());
    }

    @Test
    void aMissingFileExits2() {
        Path file = dir.resolve("nope.yaml");

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("auth-sidecar: invalid configuration: " + file + ": file not found\n");
    }

    @Test
    void aJwksFileThatIsNoKeySetIsInvalid() throws IOException {
        write("jwks.json", "{\"keys\": []}");
        Path file = write("sidecar.yaml", provider("jwksFile: jwks.json"));

        Run check = run(Map.of(), "check-config", "--config", file.toString());
        Run start = run(Map.of(), "--config", file.toString());

        assertThat(check.exit()).isEqualTo(2);
        assertThat(check.err())
                .startsWith("auth-sidecar: invalid configuration: " + file
                        + ": auth.jwt.providers[0]: cannot use jwksFile " + dir.resolve("jwks.json"));
        assertThat(start.exit()).as("start-up refuses it the same way").isEqualTo(2);
        assertThat(start.err()).isEqualTo(check.err());
    }

    @Test
    void aShortHmacSecretIsInvalid() throws IOException {
        write("hmac.key", "too-short\n");
        Path file = write("sidecar.yaml", provider("hmacSecretFile: hmac.key\n        algorithms: [HS256]"));

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("auth-sidecar: invalid configuration: " + file + ": auth.jwt.providers[0]: "
                        + "hmacSecretFile " + dir.resolve("hmac.key")
                        + " holds 9 bytes; the configured HMAC algorithms need "
                        + "at least 32\n");
    }

    @Test
    void anEmptyIntrospectionSecretIsInvalid() throws IOException {
        write("secret", "\n");
        Path file = write("sidecar.yaml", """
                auth:
                  introspection:
                    endpoint: https://idp.example/introspect
                    clientId: sidecar
                    clientSecretFile: secret
                """);

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("auth-sidecar: invalid configuration: " + file + ": auth.introspection: "
                        + dir.resolve("secret") + ": the client secret file is empty\n");
    }

    @Test
    void environmentVariablesAreCheckedToo() throws IOException {
        Path file = write("sidecar.yaml", "");

        Run typo = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_UR", "http://127.0.0.1:1"), "check-config", "--config", file.toString());
        Run bad = run(Map.of("AUTH_SIDECAR_UPSTREAM_URL", "ftp://app:1"), "check-config", "--config", file.toString());
        Run good = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_URL", "http://127.0.0.1:9", "AUTH_SIDECAR_LOG_LEVEL", "DEBUG"),
                "check-config",
                "--config",
                file.toString());

        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err())
                .isEqualTo("auth-sidecar: invalid configuration: AUTH_SIDECAR_UPSTREAM_UR: not a "
                        + "configuration variable; did you mean AUTH_SIDECAR_UPSTREAM_URL?\n");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err())
                .startsWith("auth-sidecar: invalid configuration: AUTH_SIDECAR_UPSTREAM_URL: "
                        + "upstream.url: must be http://host:port or https://host:port");
        assertThat(good.exit()).isZero();
        assertThat(good.out()).contains("upstream http://127.0.0.1:9");
    }

    @Test
    void theGrpcEndpointIsShownAndItsVariableChecked() throws IOException {
        Path file = write("sidecar.yaml", "upstream:\n  grpc:\n    url: http://127.0.0.1:9090\n");

        Run fromFile = run(Map.of(), "check-config", "--config", file.toString());
        Run fromEnv = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_GRPC_URL", "http://127.0.0.1:9191"),
                "check-config",
                "--config",
                file.toString());
        Run bad = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_GRPC_URL", "grpc://127.0.0.1:9191"),
                "check-config",
                "--config",
                file.toString());

        assertThat(fromFile.exit()).isZero();
        assertThat(fromFile.out()).contains("upstream http://127.0.0.1:8080 (gRPC: http://127.0.0.1:9090 h2c)");
        assertThat(fromEnv.out()).contains("(gRPC: http://127.0.0.1:9191 h2c)");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err())
                .startsWith("auth-sidecar: invalid configuration: AUTH_SIDECAR_UPSTREAM_GRPC_URL: "
                        + "upstream.grpc.url: only http:// upstreams are supported");
    }

    @Test
    void anUpstreamCaFileWithoutACertificateIsCaughtBeforeRollOut() throws IOException {
        write("app-ca.crt", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Path file = write("sidecar.yaml", "upstream:\n  url: https://app.internal:8443\n  caFile: app-ca.crt\n");

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("auth-sidecar: invalid configuration: " + file + ": upstream.caFile: ")
                .contains("holds a PRIVATE KEY block; expected only CERTIFICATE blocks");
    }

    @Test
    void flagsBeatTheEnvironment() throws IOException {
        Path file = write("sidecar.yaml", "server:\n  listen: 127.0.0.1:1\n");

        Run r = run(
                Map.of("AUTH_SIDECAR_SERVER_LISTEN", "127.0.0.1:2"),
                "check-config",
                "--config",
                file.toString(),
                "--listen",
                "127.0.0.1:3");
        Run bad = run(Map.of(), "check-config", "--config", file.toString(), "--listen", "nope");

        assertThat(r.out()).contains("listen 127.0.0.1:3");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("auth-sidecar: invalid configuration: --listen: server.listen: ");
    }

    private static String provider(String keySource) {
        return """
                auth:
                  jwt:
                    providers:
                      - name: dev
                        issuer: auth-sidecar-dev
                        audiences: [main-service]
                        %s
                """.formatted(keySource);
    }

    /** Each single key's value in force, and whether the file, a variable, a flag or the default set it. */
    @Test
    void effectivePrintsEveryValueAndWhereItCameFrom() throws IOException {
        Path file = write("sidecar.yaml", """
                server:
                  idleTimeout: 5s
                auth:
                  apiKeys:
                    - {name: a, sha256: %s}
                  introspection:
                    endpoint: https://sidecar:hunter2@idp.example/introspect
                    clientId: sidecar
                    clientSecretFile: secret
                """.formatted(SHA));
        write("secret", "s3cret\n");

        Run r = run(
                Map.of("AUTH_SIDECAR_UPSTREAM_CONNECT_TIMEOUT", "3s"),
                "check-config",
                "--config",
                file.toString(),
                "--listen",
                "127.0.0.1:7001",
                "--effective");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(
                        "\n  server.listen: 127.0.0.1:7001 (from --listen)\n",
                        "\n  server.idleTimeout: 5s (from " + file + ")\n",
                        "\n  server.ioThreads: 0 (default)\n",
                        "\n  upstream.connectTimeout: 3s (from AUTH_SIDECAR_UPSTREAM_CONNECT_TIMEOUT)\n",
                        "\n  auth.introspection.clientId: sidecar (from " + file + ")\n",
                        "\n  auth.introspection.endpoint: https://***@idp.example/introspect (from " + file + ")\n",
                        "\n  accessLog.format: json (default)\n")
                .doesNotContain("hunter2", "server.tls.");
        assertThat(r.out().indexOf("server.listen:"))
                .as("in reference order")
                .isLessThan(r.out().indexOf("upstream.connectTimeout:"));
    }

    @Test
    void withoutEffectiveNoValuesArePrinted() throws IOException {
        Path file = write("sidecar.yaml", "auth:\n  apiKeys:\n    - {name: a, sha256: %s}\n".formatted(SHA));

        Run r = run(Map.of(), "check-config", "--config", file.toString());

        assertThat(r.out()).doesNotContain("server.listen:");
    }
}
