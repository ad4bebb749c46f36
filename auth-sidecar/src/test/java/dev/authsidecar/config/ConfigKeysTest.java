package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The declarations are the truth the loader works from: every key is read, with the declared default. */
final class ConfigKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every section present, valid: a key the loader ignores would leave it loading. */
    private static final String EVERYTHING = """
            server:
              tls:
                certFile: tls.crt
                keyFile: tls.key
                clientCaFile: ca.crt
            auth:
              apiKeys:
                - name: a
                  sha256: %s
              jwt:
                providers:
                  - name: p
                    issuer: https://idp.example
                    audiences: [api]
                    hmacSecretFile: hmac.key
                    algorithms: [HS256]
              introspection:
                endpoint: https://idp.example/introspect
                clientId: sidecar
                clientSecretFile: secret
            rules:
              - path: /a
                require:
                  scopes: [read]
            """.formatted("a".repeat(64));

    @TempDir
    Path dir;

    /**
     * A wrong value (a mapping, where the key wants text, a number, a list or other keys) under each declared key
     * must be refused, naming the key: a declared key the loader never looks at would be accepted and ignored.
     */
    @Test
    void theLoaderReadsEveryDeclaredKey() throws Exception {
        for (String file : List.of("tls.crt", "tls.key", "ca.crt", "hmac.key", "secret")) {
            Files.writeString(dir.resolve(file), "x\n");
        }
        ObjectNode base = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(EVERYTHING);
        ConfigLoader.load(write(base), List.of());

        for (ConfigKey key : ConfigKeys.all()) {
            ObjectNode tree = base.deepCopy();
            String concrete = key.path().replace("[]", "[0]");
            ObjectNode holder = holder(tree, key.parent());
            holder.set(
                    key.name(),
                    JSON.createObjectNode().set("bogus", JSON.createObjectNode().put("x", 1)));
            Path file = write(tree);
            String expected = key.name().equals("allow") || key.name().equals("deny") ? "rules[0]" : concrete;

            assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                    .as(key.path())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(expected);
        }
    }

    /** What the loader runs with when the file is silent is what the declaration (and so the README) says. */
    @Test
    void theDefaultsInForceAreTheDeclaredOnes() throws ConfigException {
        Map<String, String> effective = ConfigLoader.effective(null, List.of()).stream()
                .collect(Collectors.toMap(Setting::path, Setting::value));

        int checked = 0;
        for (ConfigKey key : ConfigKeys.withVariables()) {
            boolean derived = key instanceof IntKey i && !key.shownDefault().equals(Integer.toString(i.fallback()))
                    || key instanceof TextKey t && t.fallback() == null;
            if (!derived && effective.containsKey(key.path())) {
                assertThat(effective.get(key.path())).as(key.path()).isEqualTo(key.shownDefault());
                checked++;
            }
        }
        assertThat(effective)
                .containsEntry("server.http2.maxHeaderListSize", "16384")
                .allSatisfy((path, value) -> assertThat(path).doesNotStartWith("server.tls"));
        assertThat(checked).isGreaterThan(30);
    }

    @Test
    void everyDefaultIsWithinItsBounds() {
        for (ConfigKey key : ConfigKeys.all()) {
            if (key instanceof IntKey i) {
                assertThat(i.fallback()).as(key.path()).isBetween(i.min(), i.max());
            } else if (key instanceof DurationKey d) {
                assertThat(d.fallback()).as(key.path()).isBetween(d.min(), d.max());
                assertThat(Durations.parse(d.shownDefault())).as(key.path()).isEqualTo(d.fallback());
            }
        }
    }

    /** Lists, mappings and keys inside list items have no variable; every other key has exactly one. */
    @Test
    void onlySingleValuesOutsideListsHaveVariables() {
        assertThat(ConfigKeys.withVariables())
                .noneMatch(k -> k instanceof Structure || k.path().contains("[]"));
        assertThat(ConfigKeys.all())
                .filteredOn(k -> !(k instanceof Structure) && !k.path().contains("[]"))
                .containsExactlyElementsOf(ConfigKeys.withVariables());
    }

    /** Deployments set these names; deriving them from the declarations must not rename one. */
    @Test
    void theVariablesKeepTheirNames() {
        assertThat(EnvironmentOverrides.variables().keySet())
                .containsAll(List.of(
                        "AUTH_SIDECAR_SERVER_LISTEN",
                        "AUTH_SIDECAR_SERVER_IO_THREADS",
                        "AUTH_SIDECAR_SERVER_MAX_REQUEST_LINE_BYTES",
                        "AUTH_SIDECAR_SERVER_MAX_HEADER_BYTES",
                        "AUTH_SIDECAR_SERVER_REQUEST_HEAD_TIMEOUT",
                        "AUTH_SIDECAR_SERVER_REQUEST_BODY_TIMEOUT",
                        "AUTH_SIDECAR_SERVER_IDLE_TIMEOUT",
                        "AUTH_SIDECAR_SERVER_TRUST_FORWARDED_HEADERS",
                        "AUTH_SIDECAR_SERVER_TUNNEL_IDLE_TIMEOUT",
                        "AUTH_SIDECAR_SERVER_HTTP2_ENABLED",
                        "AUTH_SIDECAR_SERVER_HTTP2_MAX_CONCURRENT_STREAMS",
                        "AUTH_SIDECAR_SERVER_HTTP2_INITIAL_WINDOW_SIZE",
                        "AUTH_SIDECAR_SERVER_HTTP2_MAX_HEADER_LIST_SIZE",
                        "AUTH_SIDECAR_SERVER_HTTP2_MAX_FRAME_SIZE",
                        "AUTH_SIDECAR_SERVER_TLS_CERT_FILE",
                        "AUTH_SIDECAR_SERVER_TLS_KEY_FILE",
                        "AUTH_SIDECAR_SERVER_TLS_MIN_VERSION",
                        "AUTH_SIDECAR_SERVER_TLS_HANDSHAKE_TIMEOUT",
                        "AUTH_SIDECAR_SERVER_TLS_CLIENT_CA_FILE",
                        "AUTH_SIDECAR_SERVER_TLS_CLIENT_AUTH",
                        "AUTH_SIDECAR_UPSTREAM_URL",
                        "AUTH_SIDECAR_UPSTREAM_CONNECT_TIMEOUT",
                        "AUTH_SIDECAR_UPSTREAM_RESPONSE_HEAD_TIMEOUT",
                        "AUTH_SIDECAR_UPSTREAM_IDLE_TIMEOUT",
                        "AUTH_SIDECAR_UPSTREAM_MAX_IDLE_PER_THREAD",
                        "AUTH_SIDECAR_UPSTREAM_PROTOCOL",
                        "AUTH_SIDECAR_ADMIN_LISTEN",
                        "AUTH_SIDECAR_AUTH_API_KEYS_FILE",
                        "AUTH_SIDECAR_AUTH_FORWARD_CREDENTIAL",
                        "AUTH_SIDECAR_AUTH_JWT_MAX_TOKEN_BYTES",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_ENDPOINT",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_CLIENT_ID",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_CLIENT_SECRET_FILE",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_CACHE_TTL",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_NEGATIVE_CACHE_TTL",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_TIMEOUT",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_MAX_BYTES",
                        "AUTH_SIDECAR_AUTH_INTROSPECTION_CA_FILE",
                        "AUTH_SIDECAR_AUTH_CACHE_MAX_ENTRIES",
                        "AUTH_SIDECAR_AUTH_PAYLOAD_HEADER",
                        "AUTH_SIDECAR_AUTH_CLOSE_TUNNELS_AT_EXPIRY",
                        "AUTH_SIDECAR_AUTH_MTLS_SUBJECT_FROM",
                        "AUTH_SIDECAR_AUTH_MTLS_FORWARD_CLIENT_CERT",
                        "AUTH_SIDECAR_DEFAULT_RULE",
                        "AUTH_SIDECAR_CORS_ALLOW_PREFLIGHT",
                        "AUTH_SIDECAR_SHUTDOWN_DRAIN_DELAY",
                        "AUTH_SIDECAR_SHUTDOWN_TIMEOUT",
                        "AUTH_SIDECAR_ACCESS_LOG_FORMAT"));
    }

    /** The mapping that holds a key, made where the base lacks it; {@code []} is the first item of a list. */
    private static ObjectNode holder(ObjectNode root, String parent) {
        ObjectNode node = root;
        if (parent.isEmpty()) {
            return node;
        }
        for (String part : parent.split("\\.")) {
            boolean item = part.endsWith("[]");
            String name = item ? part.substring(0, part.length() - 2) : part;
            JsonNode next = node.get(name);
            if (item) {
                node = (ObjectNode) ((ArrayNode) next).get(0);
            } else {
                node = next instanceof ObjectNode o ? o : node.putObject(name);
            }
        }
        return node;
    }

    /** JSON is YAML, so the tree is written as JSON. */
    private Path write(JsonNode tree) throws IOException {
        return Files.writeString(dir.resolve("sidecar.yaml"), JSON.writeValueAsString(tree));
    }
}
