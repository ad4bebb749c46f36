package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

final class ConfigLoaderTest {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);

    @TempDir
    Path dir;

    @Test
    void defaults() throws ConfigException {
        SidecarConfig c = ConfigLoader.defaults();

        assertThat(c.server().listen()).isEqualTo(new HostPort("0.0.0.0", 8081));
        assertThat(c.server().maxRequestLineBytes()).isEqualTo(8192);
        assertThat(c.server().maxHeaderBytes()).isEqualTo(16384);
        assertThat(c.server().requestHeadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.server().requestBodyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.server().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.server().trustForwardedHeaders()).isFalse();
        assertThat(c.upstream().url()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(c.upstream().authority()).isEqualTo("127.0.0.1:8080");
        assertThat(c.admin().listen()).isEqualTo(new HostPort("0.0.0.0", 9901));
        assertThat(c.shutdown().drainDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.shutdown().timeout()).isEqualTo(Duration.ofSeconds(25));
        assertThat(c.auth().apiKeys()).isEmpty();
        assertThat(c.auth().publicPaths()).isEmpty();
        assertThat(c.auth().forwardCredential()).isFalse();
        assertThat(c.server().upgrades()).containsExactly("websocket");
        assertThat(c.server().tunnelIdleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.auth().closeTunnelsAtExpiry()).isTrue();
    }

    @Test
    void tunnelKeys() throws Exception {
        SidecarConfig c = ConfigLoader.load(
                write(
                        "server:\n  upgrades: []\n  tunnelIdleTimeout: 5m\n"
                                + "auth:\n  closeTunnelsAtExpiry: false\n"
                                + "rules:\n  - path: /feed\n    upgrade: websocket\n    deny: true\n"
                                + "  - path: /feed\n    upgrade: none\n    allow: authenticated\n  - path: /x\n    allow: anonymous\n"),
                List.of());
        assertThat(c.server().upgrades()).isEmpty();
        assertThat(c.server().websocketTunnels()).isFalse();
        assertThat(c.server().tunnelIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.auth().closeTunnelsAtExpiry()).isFalse();
        assertThat(c.authorization().rules())
                .extracting(RuleConfig::upgrade)
                .containsExactly(RuleConfig.Upgrade.WEBSOCKET, RuleConfig.Upgrade.NONE, RuleConfig.Upgrade.ANY);
        assertThat(ConfigLoader.load(write("server:\n  upgrades: [WebSocket]\n"), List.of())
                        .server()
                        .upgrades())
                .containsExactly("websocket");
    }

    @Test
    void emptyFileMeansDefaults() throws Exception {
        assertThat(ConfigLoader.load(write(""), List.of())).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void readsAFullFile() throws Exception {
        Path file = write("""
                server:
                  listen: ":9000"
                  maxRequestLineBytes: 4096
                  requestHeadTimeout: 250ms
                  requestBodyTimeout: 2s
                  trustForwardedHeaders: true
                upstream:
                  url: HTTP://localhost:3000/
                  connectTimeout: 1s
                admin:
                  listen: "[::1]:9902"
                auth:
                  apiKeys:
                    - name: billing
                      sha256: %s
                  publicPaths: [/healthz, /public/**]
                  forwardCredential: true
                shutdown:
                  drainDelay: 0s
                  timeout: 1m
                """.formatted(SHA_A.toUpperCase()));

        SidecarConfig c = ConfigLoader.load(file, List.of());

        assertThat(c.server().listen()).isEqualTo(new HostPort("0.0.0.0", 9000));
        assertThat(c.server().maxRequestLineBytes()).isEqualTo(4096);
        assertThat(c.server().requestHeadTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.server().requestBodyTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.server().trustForwardedHeaders()).isTrue();
        assertThat(c.upstream().url()).isEqualTo(URI.create("http://localhost:3000"));
        assertThat(c.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.admin().listen()).isEqualTo(new HostPort("::1", 9902));
        assertThat(c.auth().apiKeys()).containsExactly(new ApiKey("billing", hex(SHA_A)));
        assertThat(c.auth().publicPaths()).containsExactly("/healthz", "/public/**");
        assertThat(c.auth().forwardCredential()).isTrue();
        assertThat(c.shutdown().drainDelay()).isZero();
        assertThat(c.shutdown().timeout()).isEqualTo(Duration.ofMinutes(1));
    }

    static Arguments[] invalidFiles() {
        return new Arguments[] {
            bad("lisen: x", "lisen: unknown key"),
            bad("server:\n  lisen: x", "server.lisen: unknown key"),
            bad("upstream:\n  uri: http://x", "upstream.uri: unknown key"),
            bad(
                    "auth:\n  apiKeys:\n    - name: a\n      sha256: " + SHA_A + "\n      shaa: x",
                    "auth.apiKeys[0].shaa: unknown key"),
            bad("server: 5", "server: expected a mapping"),
            bad("- a\n- b", "the top level must be a mapping"),
            bad("server:\n  idleTimeout: 10", "server.idleTimeout: expected a duration"),
            bad("server:\n  idleTimeout: 10 s", "server.idleTimeout: expected a duration"),
            bad("server:\n  idleTimeout: 1d", "server.idleTimeout: expected a duration"),
            bad("server:\n  idleTimeout: -1s", "server.idleTimeout: expected a duration"),
            bad("server:\n  idleTimeout: 0ms", "server.idleTimeout: must be from 1ms to 86400s"),
            bad("server:\n  idleTimeout: 25h", "server.idleTimeout: must be from"),
            bad("shutdown:\n  drainDelay: 11m", "shutdown.drainDelay: must be from 0s to 600s"),
            bad("server:\n  maxHeaderBytes: 10", "server.maxHeaderBytes: must be from 1024 to 1048576, got 10"),
            bad("server:\n  maxHeaderBytes: 1.5", "server.maxHeaderBytes: expected a whole number"),
            bad("server:\n  trustForwardedHeaders: maybe", "server.trustForwardedHeaders: expected true or false"),
            bad("server:\n  listen: nope", "server.listen: expected HOST:PORT, got 'nope'"),
            bad("server:\n  listen: ':70000'", "server.listen: port must be a number from 0 to 65535"),
            bad("server:\n  listen: 'x:y'", "server.listen: port must be a number"),
            bad("server:\n  listen: '::1:80'", "server.listen: IPv6 addresses need brackets"),
            bad("server:\n  listen: ''", "server.listen: must not be empty"),
            bad("admin:\n  listen: 9901", "admin.listen: expected HOST:PORT"),
            bad("upstream:\n  url: ftp://x", "upstream.url: must be http://host:port or https://host:port"),
            bad("upstream:\n  url: 127.0.0.1:8080", "upstream.url: not a valid URL"),
            bad("upstream:\n  url: http://127.0.0.1:8080/api", "upstream.url: must be scheme://host:port only"),
            bad("upstream:\n  url: http://127.0.0.1:8080?x=1", "upstream.url: must be scheme://host:port only"),
            bad("upstream:\n  url: http://u:p@127.0.0.1:8080", "upstream.url: must be scheme://host:port only"),
            bad("upstream:\n  url: 'http://127.0.0.1:8080#f'", "upstream.url: must be scheme://host:port only"),
            bad("upstream:\n  url: http:///x", "upstream.url: "),
            bad("upstream:\n  url: 'http://a b'", "upstream.url: not a valid URL"),
            bad(keys("    - name: a\n      sha256: abc"), "auth.apiKeys[0].sha256: expected 64 hex digits"),
            bad(
                    keys(
                            "    - name: a\n      sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"),
                    "auth.apiKeys[0].sha256: is the SHA-256 of 'password', which anyone can guess; make a real key "
                            + "with `auth-sidecar gen-key`"),
            bad(
                    keys(
                            "    - name: a\n      sha256: E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
                    "auth.apiKeys[0].sha256: is the SHA-256 of the empty string"),
            bad(
                    keys("    - name: a\n      sha256: PASTE-THE-SHA256-PRINTED-BY-gen-key"),
                    "auth.apiKeys[0].sha256: expected 64 hex digits (the output of `auth-sidecar gen-key`"),
            bad(keys("    - name: a\n      sha256: " + "g".repeat(64)), "auth.apiKeys[0].sha256: expected 64 hex"),
            bad(keys("    - name: a"), "auth.apiKeys[0].sha256: is required"),
            bad(keys("    - sha256: " + SHA_A), "auth.apiKeys[0].name: is required"),
            bad(keys("    - name: a b\n      sha256: " + SHA_A), "auth.apiKeys[0].name: use 1 to 128 letters"),
            bad(
                    keys("    - name: a\n      sha256: " + SHA_A + "\n    - name: a\n      sha256: " + SHA_B),
                    "auth.apiKeys: the key name 'a' is used twice"),
            bad(
                    keys("    - name: a\n      sha256: " + SHA_A + "\n    - name: b\n      sha256: " + SHA_A),
                    "auth.apiKeys: the key named 'b' has the same sha256 as another key"),
            bad("auth:\n  apiKeys: x", "auth.apiKeys: expected a list"),
            bad("auth:\n  apiKeys: [x]", "auth.apiKeys[0]: expected a mapping"),
            bad("auth:\n  publicPaths: [public]", "auth.publicPaths[0]: expected an exact path"),
            bad("auth:\n  publicPaths: [/ok, /a/*]", "auth.publicPaths[1]: expected an exact path"),
            bad("auth:\n  publicPaths: ['/a/**/b']", "auth.publicPaths[0]: expected an exact path"),
            bad("auth:\n  publicPaths: ['/a//b']", "auth.publicPaths[0]: expected an exact path"),
            bad("auth:\n  publicPaths: ['/a?b']", "auth.publicPaths[0]: expected an exact path"),
            bad("auth:\n  publicPaths: ['']", "auth.publicPaths[0]: expected a non-empty text value"),
            bad("server:\n  upgrades: [h2c]", "server.upgrades: h2c is never passed on"),
            bad("server:\n  upgrades: [websocket, spdy/3]", "server.upgrades: only websocket can be tunneled"),
            bad("server:\n  upgrades: websocket", "server.upgrades: expected a list"),
            bad("server:\n  tunnelIdleTimeout: 0s", "server.tunnelIdleTimeout: "),
            bad("auth:\n  closeTunnelsAtExpiry: sometimes", "auth.closeTunnelsAtExpiry: "),
            bad("rules:\n  - path: /a\n    upgrade: h2c\n    deny: true", "rules[0].upgrade: expected websocket"),
        };
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidFiles")
    void refusesWithFileKeyPathAndReason(String yaml, String expected) throws IOException {
        Path file = write(yaml);

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(expected);
    }

    /** Values whose digits overflow must still be refused with the file and key, not with a stack trace. */
    static Arguments[] outOfRangeValues() {
        return new Arguments[] {
            bad("server:\n  idleTimeout: 99999999999999999999s", "server.idleTimeout: "),
            bad("server:\n  idleTimeout: 9999999999999999h", "server.idleTimeout: "),
            bad("upstream:\n  url: http://127.0.0.1:99999", "upstream.url: "),
        };
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("outOfRangeValues")
    void refusesOutOfRangeValuesLikeAnyOtherError(String yaml, String expected) throws IOException {
        refusesWithFileKeyPathAndReason(yaml, expected);
    }

    @Test
    void http2DefaultsTieTheHeaderListToMaxHeaderBytes() throws Exception {
        Http2Config d = ConfigLoader.defaults().server().http2();
        assertThat(d).isEqualTo(new Http2Config(true, 100, 65_536, 16_384, 16_384));

        Http2Config c = ConfigLoader.load(
                        write(
                                "server:\n  maxHeaderBytes: 8192\n  http2:\n    enabled: false\n"
                                        + "    maxConcurrentStreams: 10\n    initialWindowSize: 1048576\n    maxFrameSize: 65536\n"),
                        List.of())
                .server()
                .http2();
        assertThat(c).isEqualTo(new Http2Config(false, 10, 1 << 20, 8192, 65_536));
    }

    @Test
    void upstreamProtocolDefaultsToHttp1() throws Exception {
        assertThat(ConfigLoader.defaults().upstream().protocol()).isEqualTo(UpstreamConfig.Protocol.HTTP1);
        assertThat(ConfigLoader.load(write("upstream:\n  protocol: h2c\n"), List.of())
                        .upstream()
                        .protocol())
                .isEqualTo(UpstreamConfig.Protocol.H2C);
    }

    @Test
    void grpcUrlIsOptionalAndAlwaysH2c() throws Exception {
        assertThat(ConfigLoader.defaults().upstream().grpc()).isNull();
        assertThat(ConfigLoader.defaults().upstream().grpcUpstream()).isNull();
        UpstreamConfig u = ConfigLoader.load(
                        write("upstream:\n  connectTimeout: 1s\n  grpc:\n" + "    url: HTTP://localhost:9090/\n"),
                        List.of())
                .upstream();
        assertThat(u.grpc()).isEqualTo(URI.create("http://localhost:9090"));
        assertThat(u.protocol()).as("upstream.url keeps its own protocol").isEqualTo(UpstreamConfig.Protocol.HTTP1);
        UpstreamConfig grpc = u.grpcUpstream();
        assertThat(grpc.url()).isEqualTo(URI.create("http://localhost:9090"));
        assertThat(grpc.protocol()).isEqualTo(UpstreamConfig.Protocol.H2C);
        assertThat(grpc.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(grpc.port()).isEqualTo(9090);
    }

    static Arguments[] badHttp2Values() {
        return new Arguments[] {
            bad("upstream:\n  grpc:\n    url: https://127.0.0.1:9090", "upstream.grpc.url: only http:// upstreams"),
            bad("upstream:\n  grpc:\n    url: 127.0.0.1:9090", "upstream.grpc.url: not a valid URL"),
            bad(
                    "upstream:\n  grpc:\n    url: http://127.0.0.1:9090/pkg",
                    "upstream.grpc.url: must be scheme://host:port only"),
            bad("upstream:\n  grpc:\n    url: http://127.0.0.1:99999", "upstream.grpc.url: port must be"),
            bad("upstream:\n  grpc:\n    url: http:///x", "upstream.grpc.url: "),
            bad(
                    "upstream:\n  grpc:\n    uri: http://127.0.0.1:9090",
                    "upstream.grpc.uri: unknown key; did you mean url?"),
            bad("upstream:\n  grpc: {}", "upstream.grpc.url: is required when upstream.grpc is given"),
            bad("upstream:\n  grpc: http://127.0.0.1:9090", "upstream.grpc: expected a mapping"),
            bad("upstream:\n  grcp:\n    url: http://127.0.0.1:9090", "upstream.grcp: unknown key; did you mean grpc?"),
            bad("upstream:\n  protocol: h3", "upstream.protocol: must be http1, h2c (HTTP/2 with prior knowledge"),
            bad("upstream:\n  protocol: h2", "upstream.protocol: h2 is HTTP/2 over TLS, but the url is http://"),
            bad(
                    "upstream:\n  url: https://127.0.0.1:8443\n  protocol: h2c",
                    "upstream.protocol: h2c is HTTP/2 over cleartext, but the url is https://; use h2"),
            bad("server:\n  http2:\n    maxFrameSize: 1024", "server.http2.maxFrameSize: "),
            bad("server:\n  http2:\n    maxFrameSize: 16777216", "server.http2.maxFrameSize: "),
            bad("server:\n  http2:\n    maxConcurrentStreams: 0", "server.http2.maxConcurrentStreams: "),
            bad("server:\n  http2:\n    initialWindowSize: 2147483647", "server.http2.initialWindowSize: "),
            bad("server:\n  http2:\n    maxHeaderListSize: 10", "server.http2.maxHeaderListSize: "),
            bad("server:\n  http2:\n    enable: true", "server.http2.enable: unknown key"),
            bad("server:\n  http2: yes", "server.http2: "),
        };
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badHttp2Values")
    void refusesBadHttp2Values(String yaml, String expected) throws IOException {
        refusesWithFileKeyPathAndReason(yaml, expected);
    }

    @Test
    void duplicateYamlKeyIsNamed() throws IOException {
        Path file = write("server:\n  listen: ':1'\n  listen: ':2'\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("listen")
                .hasMessageContaining(file + ":3:");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": file not found");
    }

    @Test
    void apiKeysFileIsRelativeToTheConfigFilesFolder() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(sub.resolve("keys.yaml"), "- name: billing\n  sha256: " + SHA_A + "\n");
        Path file = Files.writeString(sub.resolve("sidecar.yaml"), """
                auth:
                  apiKeys:
                    - name: inline
                      sha256: %s
                  apiKeysFile: keys.yaml
                """.formatted(SHA_B));

        SidecarConfig c = ConfigLoader.load(file, List.of());

        assertThat(c.auth().apiKeys()).extracting(ApiKey::name).containsExactly("inline", "billing");
    }

    @Test
    void missingApiKeysFileNamesTheResolvedFileAndWhoNamedIt() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("etc"));
        Path file = Files.writeString(sub.resolve("sidecar.yaml"), "auth:\n  apiKeysFile: keys.yaml\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(sub.toAbsolutePath().resolve("keys.yaml") + ": file not found (named by auth.apiKeysFile)");
    }

    @Test
    void errorInApiKeysFileNamesThatFile() throws IOException {
        Path keys = Files.writeString(dir.resolve("keys.yaml"), "- name: billing\n  sha256: nope\n");
        Path file = write("auth:\n  apiKeysFile: keys.yaml\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(keys.toAbsolutePath() + ": apiKeys[0].sha256: expected 64 hex digits (the output of "
                        + "`auth-sidecar gen-key` or `hash-key`)");
    }

    @Test
    void duplicateNameAcrossInlineAndFileIsRefused() throws IOException {
        Files.writeString(dir.resolve("keys.yaml"), "- name: billing\n  sha256: " + SHA_A + "\n");
        Path file = write(keys("    - name: billing\n      sha256: " + SHA_B) + "\n  apiKeysFile: keys.yaml\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageContaining("auth.apiKeys: the key name 'billing' is used twice");
    }

    @Test
    void overridesBeatTheFile() throws Exception {
        Path file = write("server:\n  listen: ':1111'\nupstream:\n  url: http://127.0.0.1:1\n");

        SidecarConfig c = ConfigLoader.load(
                file,
                List.of(
                        new ConfigOverride("server.listen", ":2222", "--listen"),
                        new ConfigOverride("upstream.url", "http://127.0.0.1:2", "--upstream"),
                        new ConfigOverride("admin.listen", "127.0.0.1:3", "--admin-listen"),
                        new ConfigOverride("server.maxHeaderBytes", "2048", "AUTH_SIDECAR_SERVER_MAX_HEADER_BYTES"),
                        new ConfigOverride(
                                "server.trustForwardedHeaders",
                                "true",
                                "AUTH_SIDECAR_SERVER_TRUST_FORWARDED_HEADERS")));

        assertThat(c.server().listen()).isEqualTo(new HostPort("0.0.0.0", 2222));
        assertThat(c.upstream().url()).isEqualTo(URI.create("http://127.0.0.1:2"));
        assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 3));
        assertThat(c.server().maxHeaderBytes()).isEqualTo(2048);
        assertThat(c.server().trustForwardedHeaders()).isTrue();
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "server.listen | nope        | --listen       | --listen: server.listen: expected HOST:PORT",
                "upstream.url  | ftp://x:1   | --upstream     | --upstream: upstream.url: must be http://host:port or https://",
                "admin.listen  | :99999      | --admin-listen | --admin-listen: admin.listen: port must be",
            })
    void errorInAnOverrideNamesTheFlag(String path, String value, String flag, String expected) throws IOException {
        Path file = write("server:\n  listen: ':1111'\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of(new ConfigOverride(path, value, flag))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(expected);
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of(new ConfigOverride(path, value, flag))))
                .hasMessageStartingWith(expected);
    }

    @Test
    void overrideCannotReplaceAMappingThatIsNotOne() throws IOException {
        Path file = write("server: 5\n");

        assertThatThrownBy(
                        () -> ConfigLoader.load(file, List.of(new ConfigOverride("server.listen", ":1", "--listen"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.listen")
                .hasMessageContaining("--listen");
    }

    @Test
    void apiKeyToStringHidesMostOfTheHash() {
        assertThat(new ApiKey("billing", hex(SHA_A)).toString()).isEqualTo("ApiKey[billing, sha256=aaaaaaaa…]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0.0.0.0:8081 | 0.0.0.0   | 8081",
                ":8081        | 0.0.0.0   | 8081",
                "[::1]:80     | ::1       | 80",
                "localhost:0  | localhost | 0",
            })
    void parsesHostPort(String text, String host, int port) {
        HostPort hp = HostPort.parse(text);
        assertThat(hp).isEqualTo(new HostPort(host, port));
    }

    private static Arguments bad(String yaml, String expected) {
        return Arguments.of(yaml, expected);
    }

    private static String keys(String entries) {
        return "auth:\n  apiKeys:\n" + entries;
    }

    private static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "sidecar", ".yaml"), yaml);
    }

    @Test
    void introspectionAudiencesAreOptional() throws Exception {
        Files.writeString(dir.resolve("secret"), "s3cret\n");
        String base = "auth:\n  introspection:\n    endpoint: https://idp.example/introspect\n"
                + "    clientId: sidecar\n    clientSecretFile: secret\n";
        Path without = Files.writeString(dir.resolve("a.yaml"), base);
        Path with = Files.writeString(dir.resolve("b.yaml"), base + "    audiences: [main-service, api]\n");
        Path single = Files.writeString(dir.resolve("c.yaml"), base + "    audiences: main-service\n");

        assertThat(ConfigLoader.load(without, List.of()).auth().introspection().audiences())
                .isEmpty();
        assertThat(ConfigLoader.load(with, List.of()).auth().introspection().audiences())
                .containsExactly("main-service", "api");
        assertThat(ConfigLoader.load(single, List.of()).auth().introspection().audiences())
                .containsExactly("main-service");
    }
}
