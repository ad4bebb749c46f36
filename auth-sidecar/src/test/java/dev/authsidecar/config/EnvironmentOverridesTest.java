package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.authsidecar.deploy.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class EnvironmentOverridesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "server.listen,                 AUTH_SIDECAR_SERVER_LISTEN",
        "server.idleTimeout,            AUTH_SIDECAR_SERVER_IDLE_TIMEOUT",
        "upstream.url,                  AUTH_SIDECAR_UPSTREAM_URL",
        "upstream.grpc.url,             AUTH_SIDECAR_UPSTREAM_GRPC_URL",
        "auth.forwardCredential,        AUTH_SIDECAR_AUTH_FORWARD_CREDENTIAL",
        "auth.jwt.maxTokenBytes,        AUTH_SIDECAR_AUTH_JWT_MAX_TOKEN_BYTES",
        "auth.introspection.clientId,   AUTH_SIDECAR_AUTH_INTROSPECTION_CLIENT_ID",
        "defaultRule,                   AUTH_SIDECAR_DEFAULT_RULE",
        "cors.allowPreflight,           AUTH_SIDECAR_CORS_ALLOW_PREFLIGHT",
    })
    void namesAreThePathWithDotsAndWordBoundariesAsUnderscores(String path, String variable) {
        assertThat(EnvironmentOverrides.variableOf(path)).isEqualTo(variable);
        assertThat(EnvironmentOverrides.variables()).containsEntry(variable, path);
    }

    @Test
    void everyKeyHasItsOwnVariableAndNoneIsTheLogLevel() {
        assertThat(EnvironmentOverrides.variables())
                .hasSize(EnvironmentOverrides.KEYS.size())
                .doesNotContainKey(EnvironmentOverrides.LOG_LEVEL);
    }

    @Test
    void variablesBecomeOverridesNamingThemselves() throws ConfigException {
        List<ConfigOverride> overrides = EnvironmentOverrides.from(Map.of(
                "AUTH_SIDECAR_SERVER_LISTEN", "127.0.0.1:9000",
                "AUTH_SIDECAR_AUTH_FORWARD_CREDENTIAL", "true",
                "AUTH_SIDECAR_LOG_LEVEL", "DEBUG",
                "HOME", "/root",
                "auth_sidecar_server_listen", "lower case is another variable"));

        assertThat(overrides)
                .containsExactly(
                        new ConfigOverride("auth.forwardCredential", "true", "AUTH_SIDECAR_AUTH_FORWARD_CREDENTIAL"),
                        new ConfigOverride("server.listen", "127.0.0.1:9000", "AUTH_SIDECAR_SERVER_LISTEN"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "AUTH_SIDECAR_SERVER_LISEN        | did you mean AUTH_SIDECAR_SERVER_LISTEN?",
                "AUTH_SIDECAR_SERVER_IDLETIMEOUT  | did you mean AUTH_SIDECAR_SERVER_IDLE_TIMEOUT?",
                "AUTH_SIDECAR_AUTH_API_KEYS       | the README lists them",
                "AUTH_SIDECAR_                    | the README lists them",
            })
    void anUnknownVariableIsAnErrorNamingIt(String variable, String hint) {
        assertThatThrownBy(() -> EnvironmentOverrides.from(Map.of(variable, "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(variable + ": not a configuration variable")
                .hasMessageContaining(hint);
    }

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFile() throws Exception {
        Path file = Files.writeString(
                dir.resolve("sidecar.yaml"),
                "server:\n  listen: 127.0.0.1:1111\n  idleTimeout: 5s\nupstream:\n  url: http://127.0.0.1:1\n");
        List<ConfigOverride> overrides = new ArrayList<>(EnvironmentOverrides.from(Map.of(
                "AUTH_SIDECAR_SERVER_LISTEN", "127.0.0.1:2222",
                "AUTH_SIDECAR_SERVER_IDLE_TIMEOUT", "7s")));
        overrides.add(new ConfigOverride("server.listen", "127.0.0.1:3333", "--listen"));

        SidecarConfig c = ConfigLoader.load(file, overrides);

        assertThat(c.server().listen()).isEqualTo(new HostPort("127.0.0.1", 3333));
        assertThat(c.server().idleTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.upstream().url().toString()).isEqualTo("http://127.0.0.1:1");
    }

    @Test
    void anInvalidValueIsReportedAgainstTheVariable() throws Exception {
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), "server:\n  listen: 127.0.0.1:1111\n");
        List<ConfigOverride> overrides = EnvironmentOverrides.from(Map.of("AUTH_SIDECAR_SERVER_IO_THREADS", "many"));

        assertThatThrownBy(() -> ConfigLoader.load(file, overrides))
                .hasMessage("AUTH_SIDECAR_SERVER_IO_THREADS: server.ioThreads: expected a whole number, got 'many'");
    }

    @Test
    void aVariableCanSetAKeyOfASectionTheFileLacks() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.yaml"), "- name: a\n  sha256: " + "a".repeat(64) + "\n");
        List<ConfigOverride> overrides = EnvironmentOverrides.from(Map.of(
                "AUTH_SIDECAR_AUTH_API_KEYS_FILE", "keys.yaml",
                "AUTH_SIDECAR_SHUTDOWN_DRAIN_DELAY", "0s"));

        SidecarConfig c = ConfigLoader.load(Files.writeString(dir.resolve("sidecar.yaml"), ""), overrides);

        assertThat(c.auth().apiKeys()).extracting(ApiKey::name).containsExactly("a");
        assertThat(c.auth().apiKeysFile()).isEqualTo(keys.toAbsolutePath());
        assertThat(c.shutdown().drainDelay()).isEqualTo(Duration.ZERO);
    }

    /**
     * Proves each variable reaches the loader: an empty value is refused by every kind of key, and the refusal
     * names the variable and its key, never "unknown key".
     */
    @Test
    void everyVariableReachesItsKey() throws IOException {
        Files.writeString(dir.resolve("secret"), "s3cret\n");
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), """
                auth:
                  introspection:
                    endpoint: https://idp.example/introspect
                    clientId: sidecar
                    clientSecretFile: secret
                """);
        for (Map.Entry<String, String> v : EnvironmentOverrides.variables().entrySet()) {
            assertThatThrownBy(() -> ConfigLoader.load(file, EnvironmentOverrides.from(Map.of(v.getKey(), ""))))
                    .as(v.getKey())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(v.getKey() + ": " + v.getValue() + ": ")
                    .hasMessageNotContaining("unknown key");
        }
    }

    /** The README's configuration examples show every scalar key; each must have a variable and be listed. */
    @Test
    void theReadmeListsEveryVariableAndEveryScalarKeyItShowsHasOne() throws IOException {
        String readme = Files.readString(Manifests.repoRoot().resolve("README.md"));
        Set<String> shown = new TreeSet<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (m.find()) {
            scalarKeys("", yaml.readTree(m.group(1)), shown);
        }

        assertThat(shown).isNotEmpty();
        assertThat(EnvironmentOverrides.KEYS).containsAll(shown);
        for (String variable : EnvironmentOverrides.variables().keySet()) {
            assertThat(readme).as("README mentions " + variable).contains("`" + variable + "`");
        }
        assertThat(readme).contains("`" + EnvironmentOverrides.LOG_LEVEL + "`");
    }

    /** Paths of scalar values reached through mappings only (list items are not settable by a variable). */
    private static void scalarKeys(String path, JsonNode node, Set<String> out) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                scalarKeys(key, v, out);
            } else if (v.isValueNode() && !v.isNull()) {
                out.add(key);
            }
        }
    }
}
