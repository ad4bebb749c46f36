package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.testing.FreePorts;
import dev.authsidecar.testing.JwksServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Both jars as separate processes, wired as in the Pod: the sidecar in front of main-service. */
@Timeout(90)
class PodIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    @Test
    void theSidecarGuardsTheMainServiceAndBothStopCleanly() throws Exception {
        int appPort = FreePorts.one();
        int grpcPort = FreePorts.one();
        int proxyPort = FreePorts.one();
        int adminPort = FreePorts.one();
        Path config = dir.resolve("sidecar.yaml");
        Files.writeString(
                config,
                "upstream:\n  grpc:\n    url: http://127.0.0.1:" + grpcPort + "\n" + "auth:\n" + RunningSidecar.keys()
                        + "shutdown:\n  drainDelay: 200ms\n");

        try (JavaProcess app = JavaProcess.start(
                        "main-service.jar",
                        List.of(),
                        List.of("--listen", "127.0.0.1:" + appPort, "--grpc-listen", "127.0.0.1:" + grpcPort));
                JavaProcess sidecar = JavaProcess.start(
                        "sidecar.jar",
                        List.of("-Xmx64m"),
                        List.of(
                                "--config",
                                config.toString(),
                                "--listen",
                                "127.0.0.1:" + proxyPort,
                                "--upstream",
                                "http://127.0.0.1:" + appPort,
                                "--admin-listen",
                                "127.0.0.1:" + adminPort))) {
            app.awaitOutput("main-service gRPC listening on", Duration.ofSeconds(20));
            sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(20));
            // The jar's own log set-up (cli.LogSetup, found by Logback as a service): ISO time, level, logger.
            assertThat(sidecar.output())
                    .containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"
                            + "(Z|[+-]\\d\\d:\\d\\d) INFO  \\w+ - auth-sidecar listening on");

            assertThat(get("http://127.0.0.1:" + adminPort + "/readyz", null).statusCode())
                    .isEqualTo(200);

            HttpResponse<String> denied = get("http://127.0.0.1:" + proxyPort + "/ping", null);
            assertThat(denied.statusCode()).isEqualTo(401);

            HttpResponse<String> pong = get("http://127.0.0.1:" + proxyPort + "/ping", RunningSidecar.KEY);
            assertThat(pong.statusCode()).isEqualTo(200);
            assertThat(pong.headers().firstValue("content-type").orElse("")).startsWith("application/json");
            assertThat(JSON.readTree(pong.body()).get("message").asText()).isEqualTo("pong");

            HttpResponse<String> whoami = get("http://127.0.0.1:" + proxyPort + "/whoami", RunningSidecar.KEY);
            JsonNode identity = JSON.readTree(whoami.body());
            assertThat(identity.get("X-Auth-Subject").asText()).isEqualTo("alice");
            assertThat(identity.get("X-Auth-Method").asText()).isEqualTo("api-key");

            assertThat(app.output()).contains("subject=alice");

            // main-service's event stream, through the sidecar: authenticated, and ended by ?count.
            HttpResponse<String> events = get("http://127.0.0.1:" + proxyPort + "/events?count=3", RunningSidecar.KEY);
            assertThat(events.statusCode()).isEqualTo(200);
            assertThat(events.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            assertThat(events.body())
                    .contains("id: 1\n", "id: 2\n", "id: 3\n", "\"subject\":\"alice\"")
                    .doesNotContain("id: 4\n");
            assertThat(get("http://127.0.0.1:" + proxyPort + "/events", null).statusCode())
                    .isEqualTo(401);

            // main-service's WebSocket echo, through the sidecar's tunnel: refused without a key, echoed with one.
            java.net.URI ws = java.net.URI.create("ws://127.0.0.1:" + proxyPort + "/ws/echo");
            assertThat(webSocketEcho(ws, null, "hello"))
                    .as("a WebSocket without a key is refused at the handshake")
                    .isEqualTo("refused: 401");
            assertThat(webSocketEcho(ws, RunningSidecar.KEY, "hello through the sidecar"))
                    .isEqualTo("hello through the sidecar");

            // main-service's gRPC port, through the sidecar's port (h2c; upstream.grpc.url): the standard health
            // service and the echo, refused without a key, answered with one.
            try (DemoGrpc grpc = new DemoGrpc("127.0.0.1", proxyPort)) {
                assertThat(grpc.health(null)).isEqualTo("UNAUTHENTICATED");
                assertThat(grpc.say(null, "hi")).isEqualTo("UNAUTHENTICATED");
                assertThat(grpc.say("sk_not_a_key", "hi")).isEqualTo("UNAUTHENTICATED");
                assertThat(grpc.health(RunningSidecar.KEY)).isEqualTo("SERVING");
                assertThat(grpc.say(RunningSidecar.KEY, "hello over gRPC")).isEqualTo("hello over gRPC");
            }
            assertThat(app.output())
                    .containsPattern("grpc /grpc.health.v1.Health/Check OK \\S+ subject=alice")
                    .containsPattern("grpc /demo.Echo/Say OK \\S+ subject=alice");
            assertThat(sidecar.awaitOutput(
                            "(\\{\"time\"[^\\n]*\"path\":\"/demo.Echo/Say\"[^\\n]*\"grpcStatus\":16[^\\n]*)",
                            Duration.ofSeconds(5)))
                    .contains("\"protocol\":\"h2c\"");

            // One JSON access-log line per request on the sidecar's stdout; never the key or the query.
            get("http://127.0.0.1:" + proxyPort + "/ping?token=hunter2", RunningSidecar.KEY);
            String accessLine = sidecar.awaitOutput(
                    "(\\{\"time\"[^\\n]*\"path\":\"/ping\"[^\\n]*\"subject\":\"alice\"[^\\n]*)", Duration.ofSeconds(5));
            JsonNode access = JSON.readTree(accessLine);
            assertThat(access.get("status").asInt()).isEqualTo(200);
            assertThat(access.get("authMethod").asText()).isEqualTo("api-key");
            assertThat(access.get("upstreamStatus").asInt()).isEqualTo(200);
            Thread.sleep(600); // the access log is flushed every 200 ms: let the ?token= request's line land
            assertThat(sidecar.output())
                    .contains("\"path\":\"/ping\"")
                    .doesNotContain(RunningSidecar.KEY)
                    .doesNotContain("hunter2");

            assertThat(sidecar.terminate(Duration.ofSeconds(15)))
                    .as("sidecar exit code after SIGTERM")
                    .isZero();
            assertThat(sidecar.output()).contains("stopped");
            assertThat(app.terminate(Duration.ofSeconds(15)))
                    .as("main-service exit code after SIGTERM")
                    .isZero();
        }
    }

    /**
     * Opens a WebSocket with the JDK client, sends one text message and returns the echo, or
     * {@code "refused: STATUS"} when the handshake is answered with another status.
     */
    private String webSocketEcho(java.net.URI uri, String key, String message) throws Exception {
        java.util.concurrent.CompletableFuture<String> echo = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        java.net.http.WebSocket socket;
        try {
            socket = builder.buildAsync(uri, new java.net.http.WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(
                                java.net.http.WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                echo.complete(text.toString());
                            }
                            w.request(1);
                            return null;
                        }
                    })
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                return "refused: " + h.getResponse().statusCode();
            }
            throw e;
        }
        socket.sendText(message, true);
        String answer = echo.get(10, java.util.concurrent.TimeUnit.SECONDS);
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(10, java.util.concurrent.TimeUnit.SECONDS);
        return answer;
    }

    /**
     * The JWT path as the image runs it: its JVM options and only its jlink modules, with the keys fetched over
     * HTTP (the JDK's HTTP client, module java.net.http), so a module the JWT path needs and the image lacks
     * fails here, not in a Pod.
     */
    @Test
    void aJwtMintedWithTheCliIsAcceptedEndToEnd() throws Exception {
        Path keys = dir.resolve("keys");
        try (JavaProcess devKeys =
                JavaProcess.start("sidecar.jar", List.of(), List.of("dev-keys", "--out", keys.toString()))) {
            assertThat(devKeys.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        String jwt;
        try (JavaProcess token = JavaProcess.start(
                "sidecar.jar",
                List.of(),
                List.of(
                        "token",
                        "--key",
                        keys.resolve("signing-key.json").toString(),
                        "--sub",
                        "carol",
                        "--scope",
                        "read write"))) {
            assertThat(token.awaitExit(Duration.ofSeconds(30))).isZero();
            jwt = token.output().trim();
        }
        int appPort = FreePorts.one();
        int proxyPort = FreePorts.one();
        Path config = dir.resolve("jwt.yaml");
        try (JwksServer idp = new JwksServer().serve(Files.readString(keys.resolve("jwks.json")))) {
            Files.writeString(
                    config,
                    "auth:\n  jwt:\n    providers:\n      - name: dev\n        issuer: auth-sidecar-dev\n"
                            + "        audiences: [main-service]\n        jwksUri: " + idp.jwksUri() + "\n"
                            + "rules:\n  - path: /ping\n    require: {scopes: [read]}\n"
                            + "  - path: /whoami\n    require: {scopes: [admin]}\n");
            try (JavaProcess app = JavaProcess.start(
                            "main-service.jar",
                            List.of(),
                            List.of("--listen", "127.0.0.1:" + appPort, "--grpc-listen", "off"));
                    JavaProcess sidecar = JavaProcess.start(
                            "sidecar.jar",
                            ImageRuntime.jvmArgs("auth-sidecar"),
                            List.of(
                                    "--config",
                                    config.toString(),
                                    "--listen",
                                    "127.0.0.1:" + proxyPort,
                                    "--upstream",
                                    "http://127.0.0.1:" + appPort,
                                    "--admin-listen",
                                    "127.0.0.1:" + FreePorts.one()))) {
                app.awaitOutput("main-service listening on", Duration.ofSeconds(20));
                sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(20));
                HttpResponse<String> pong = get("http://127.0.0.1:" + proxyPort + "/ping", jwt);
                assertThat(pong.statusCode()).as(sidecar.output()).isEqualTo(200);
                assertThat(pong.body()).contains("pong");
                assertThat(get("http://127.0.0.1:" + proxyPort + "/whoami", jwt).statusCode())
                        .as("read/write token on an admin-only path")
                        .isEqualTo(403);
                assertThat(app.output()).contains("subject=carol");
            }
        }
    }

    @Test
    void anInvalidConfigurationIsRefusedWithExitCode2AndOneClearLine() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "server:\n  lisen: 0.0.0.0:8081\n");
        try (JavaProcess sidecar =
                JavaProcess.start("sidecar.jar", List.of(), List.of("--config", config.toString()))) {
            assertThat(sidecar.awaitExit(Duration.ofSeconds(20))).isEqualTo(2);
            assertThat(sidecar.output())
                    .contains(config.toString())
                    .contains("server.lisen")
                    .contains("unknown key");
        }
        try (JavaProcess sidecar = JavaProcess.start(
                "sidecar.jar",
                List.of(),
                List.of("--config", dir.resolve("missing.yaml").toString()))) {
            assertThat(sidecar.awaitExit(Duration.ofSeconds(20))).isEqualTo(2);
            assertThat(sidecar.output()).contains("missing.yaml").contains("file not found");
        }
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Kept for tests written against it; new ones call {@link FreePorts#one()}. */
    static int freePort() {
        return FreePorts.one();
    }
}
