package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MainServiceHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

    private static MainService service;
    private static HttpClient client;

    @BeforeAll
    static void startServer() throws Exception {
        service = MainService.start(
                new InetSocketAddress("127.0.0.1", 0), new PrintStream(LOG, true, StandardCharsets.UTF_8));
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stopServer() {
        service.stop();
    }

    @Test
    void boundToAnEphemeralLoopbackPort() {
        assertThat(service.address().getPort()).isPositive();
        assertThat(service.hostPort())
                .isEqualTo("127.0.0.1:" + service.address().getPort());
    }

    @Test
    void pingAnswersPong() throws Exception {
        HttpResponse<String> response = send(get("/ping").build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response)).isEqualTo(Map.of("message", "pong"));
    }

    @Test
    void healthzReportsOk() throws Exception {
        HttpResponse<String> response = send(get("/healthz").build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response)).isEqualTo(Map.of("status", "ok"));
    }

    @Test
    void whoamiEchoesIdentityHeadersInCanonicalForm() throws Exception {
        HttpResponse<String> response = send(get("/whoami")
                .header("X-Auth-Subject", "alice")
                .header("x-auth-email", "alice@example.com")
                .header("X-AUTH-TENANT-ID", "acme")
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response))
                .isEqualTo(Map.of(
                        "X-Auth-Subject", "alice",
                        "X-Auth-Email", "alice@example.com",
                        "X-Auth-Tenant-Id", "acme"));
    }

    @Test
    void whoamiJoinsRepeatedHeaders() throws Exception {
        HttpResponse<String> response = send(get("/whoami")
                .header("X-Auth-Groups", "admins")
                .header("x-auth-groups", "devs")
                .build());

        assertThat(json(response)).isEqualTo(Map.of("X-Auth-Groups", "admins, devs"));
    }

    @Test
    void whoamiIgnoresOtherHeaders() throws Exception {
        HttpResponse<String> response = send(get("/whoami")
                .header("Authorization", "Bearer secret")
                .header("X-Authorization", "not-identity")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("X-Auth-Subject", "bob")
                .build());

        assertThat(json(response)).isEqualTo(Map.of("X-Auth-Subject", "bob"));
    }

    @Test
    void whoamiWithoutIdentityIsAnEmptyObject() throws Exception {
        HttpResponse<String> response = send(get("/whoami").build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
    }

    @Test
    void unknownPathIsJson404() throws Exception {
        HttpResponse<String> response = send(get("/nope").build());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response)).isEqualTo(Map.of("error", "not found"));
    }

    @Test
    void pathsMatchExactly() throws Exception {
        assertThat(send(get("/ping/").build()).statusCode()).isEqualTo(404);
        assertThat(send(get("/").build()).statusCode()).isEqualTo(404);
        assertThat(send(get("/ping?verbose=1").build()).statusCode()).isEqualTo(200);
    }

    @Test
    void otherMethodOnKnownPathIs405WithAllow() throws Exception {
        HttpResponse<String> response = send(
                request("/ping").POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response)).isEqualTo(Map.of("error", "method not allowed"));
    }

    @Test
    void headBehavesLikeGetWithoutBody() throws Exception {
        HttpResponse<String> get = send(get("/ping").build());
        HttpResponse<String> head = send(request("/ping")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(head.headers().firstValue("Content-Length"))
                .hasValue(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void headOnUnknownPathIs404WithoutBody() throws Exception {
        HttpResponse<String> head = send(request("/nope")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());

        assertThat(head.statusCode()).isEqualTo(404);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void logsOneLinePerRequestWithSubject() throws Exception {
        send(get("/healthz")
                .header("X-Auth-Subject", "carol")
                .header("X-Trace", "log-test")
                .build());

        // The filter writes the line after the response has been sent, so allow it a moment.
        String expected = " GET /healthz 200 ";
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!logText().contains("subject=carol") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(logText().lines().filter(line -> line.contains("subject=carol")))
                .singleElement()
                .satisfies(
                        line -> assertThat(line)
                                .contains(expected)
                                .matches(
                                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z GET /healthz 200 \\d+\\.\\d{2}ms subject=carol"));
    }

    private static String logText() {
        synchronized (LOG) {
            return LOG.toString(StandardCharsets.UTF_8);
        }
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://" + service.hostPort() + path))
                .timeout(Duration.ofSeconds(5));
    }

    private static HttpRequest.Builder get(String path) {
        return request(path).GET();
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> json(HttpResponse<String> response) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.readValue(response.body(), Map.class);
        return map;
    }
}
