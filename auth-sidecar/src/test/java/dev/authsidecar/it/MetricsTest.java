package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.testing.FreePorts;
import dev.authsidecar.testing.Tokens;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /metrics} on the admin port, after real traffic. */
@Timeout(30)
class MetricsTest {
    private static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};

    @Test
    void requestsAuthDecisionsAndUpstreamErrorsAreCounted() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(app.url())) {
            assertThat(proxy.get("/echo?secret=hunter2", AUTH).statusCode()).isEqualTo(200);
            assertThat(proxy.get("/echo").statusCode()).isEqualTo(401);
            assertThat(proxy.get("/echo", "Authorization", "Bearer sk_wrong_token_value")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(proxy.get("/public/x").statusCode()).isEqualTo(200);
            assertThat(proxy.get("/hangup", AUTH).statusCode()).isEqualTo(502);

            HttpResponse<String> r = proxy.admin("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            String m = r.body();
            assertThat(m)
                    .contains("auth_sidecar_requests_total{auth_result=\"allowed\",method=\"GET\","
                            + "protocol=\"http/1.1\","
                            + "status_class=\"2xx\"} 1.0");
            assertThat(m)
                    .contains("auth_sidecar_requests_total{auth_result=\"missing\",method=\"GET\","
                            + "protocol=\"http/1.1\","
                            + "status_class=\"4xx\"} 1.0");
            assertThat(m)
                    .contains("auth_sidecar_requests_total{auth_result=\"invalid\",method=\"GET\","
                            + "protocol=\"http/1.1\","
                            + "status_class=\"4xx\"} 1.0");
            assertThat(m)
                    .contains("auth_sidecar_requests_total{auth_result=\"anonymous\",method=\"GET\","
                            + "protocol=\"http/1.1\","
                            + "status_class=\"2xx\"} 1.0");
            assertThat(m).contains("auth_sidecar_auth_decisions_total{method=\"api-key\",result=\"allowed\"} 2.0");
            assertThat(m).contains("auth_sidecar_upstream_errors_total{kind=\"upstream_reset\"} 1.0");
            assertThat(m).contains("auth_sidecar_request_duration_seconds_bucket{status_class=\"2xx\",le=\"+Inf\"} 2");
            assertThat(m).contains("auth_sidecar_open_connections");
            assertThat(m).contains("auth_sidecar_config_reloads_total{result=\"failure\"} 0");
            assertThat(m).contains("auth_sidecar_credential_cache_requests_total");
            // The JVM and process metrics of the Prometheus client (all but the NMT-only native-memory ones).
            assertThat(m)
                    .contains(
                            "jvm_memory_used_bytes",
                            "jvm_threads_current",
                            "jvm_gc_collection_seconds_count",
                            "jvm_classes_currently_loaded",
                            "jvm_buffer_pool_used_bytes",
                            "jvm_runtime_info",
                            "jvm_compilation_time_seconds_total",
                            "process_cpu_seconds_total",
                            "process_resident_memory_bytes");
            assertThat(m)
                    .doesNotContain("hunter2")
                    .doesNotContain(RunningSidecar.KEY)
                    .doesNotContain("sk_wrong_token_value")
                    .doesNotContain("alice")
                    .doesNotContain("/echo");
        }
    }

    /** Refusals are counted against the method that refused them, and a key set read from a file is a fetch. */
    @Test
    void refusalsAreCountedByTheMethodAttempted() throws Exception {
        com.nimbusds.jose.jwk.RSAKey key = Tokens.rsa("k1");
        com.nimbusds.jose.jwk.RSAKey forger = Tokens.rsa("k1");
        java.nio.file.Path jwks = Tokens.jwksFile(key);
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        "auth:\n" + RunningSidecar.keys()
                                + "  jwt:\n    providers:\n      - name: file\n        issuer: " + JwtFlowTest.ISSUER
                                + "\n"
                                + "        audiences: [main-service]\n        jwksFile: " + jwks + "\n")) {
            String good = JwtFlowTest.token(
                    key, java.util.Map.of(), java.time.Instant.now().plusSeconds(600));
            String forged = JwtFlowTest.token(
                    forger, java.util.Map.of(), java.time.Instant.now().plusSeconds(600));
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + good).statusCode())
                    .isEqualTo(200);
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + forged).statusCode())
                    .isEqualTo(401);
            assertThat(proxy.get("/echo", "Authorization", "Bearer sk_wrong_token_value")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(proxy.get("/echo").statusCode()).isEqualTo(401);

            String m = proxy.admin("/metrics").body();

            assertThat(m)
                    .contains(
                            "auth_sidecar_auth_decisions_total{method=\"jwt\",result=\"allowed\"} 1.0",
                            "auth_sidecar_auth_decisions_total{method=\"jwt\",result=\"invalid\"} 1.0",
                            "auth_sidecar_auth_decisions_total{method=\"api-key\",result=\"invalid\"} 1.0",
                            "auth_sidecar_auth_decisions_total{method=\"none\",result=\"missing\"} 1.0",
                            "auth_sidecar_keyset_fetches_total{provider=\"file\",result=\"success\"} 1.0");
            assertThat(m).doesNotContain("method=\"none\",result=\"invalid\"");
        } finally {
            java.nio.file.Files.delete(jwks);
        }
    }

    @Test
    void keySetsOfJwtProvidersAreReported() throws Exception {
        int closed = FreePorts.one();
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        JwtFlowTest.authWithProvider("jwksUri: http://127.0.0.1:" + closed + "/jwks\n"
                                + "        fetch: {connectTimeout: 200ms, readTimeout: 500ms}"))) {
            UpstreamFailureTest.waitFor(() -> {
                try {
                    return proxy.admin("/metrics")
                            .body()
                            .contains("auth_sidecar_keyset_fetches_total{provider=\"shop\",result=\"failure\"} 1");
                } catch (Exception e) {
                    return false;
                }
            });
            String m = proxy.admin("/metrics").body();
            assertThat(m).contains("auth_sidecar_keyset_fetches_total{provider=\"shop\",result=\"failure\"} 1");
            assertThat(proxy.admin("/readyz").body())
                    .contains("\"provider\":\"shop\"")
                    .contains("\"hasKeys\":false");
        }
    }
}
