package dev.authsidecar.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.config.AccessLogConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AccessLogTest {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static RequestRecord answered() {
        RequestRecord r = new RequestRecord();
        r.begin("GET", "req-1", TRACEPARENT, "10.1.2.3");
        r.path("/orders/42");
        r.auth(RequestRecord.AuthResult.ALLOWED, "jwt", "alice");
        r.addBytesIn(5);
        r.upstreamStatus(200);
        r.addBytesOut(18);
        return r;
    }

    private static String written(AccessLogConfig.Format format, RequestRecord r) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(format, sink)) {
            log.write(r, 1_234_000);
        }
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anHttp2GrpcCallCarriesItsProtocolAndGrpcStatus() throws Exception {
        RequestRecord r = new RequestRecord();
        r.protocol(RequestRecord.H2C);
        r.begin("POST", "req-2", null, "10.1.2.3");
        r.path("/pkg.Echo/Say");
        r.status(200);
        r.grpcStatus(16);
        JsonNode j = new ObjectMapper().readTree(written(AccessLogConfig.Format.JSON, r));
        assertThat(j.get("protocol").asText()).isEqualTo("h2c");
        assertThat(j.get("grpcStatus").asInt()).isEqualTo(16);
        assertThat(written(AccessLogConfig.Format.TEXT, r)).contains(" proto=h2c grpc=16");
    }

    @Test
    void aTunnelsLineSaysHowItEnded() throws Exception {
        RequestRecord r = answered();
        r.upstreamStatus(101);
        r.tunnelEnded("idle_timeout");
        JsonNode j = new ObjectMapper().readTree(written(AccessLogConfig.Format.JSON, r));
        assertThat(j.get("status").asInt()).isEqualTo(101);
        assertThat(j.get("tunnelEnd").asText()).isEqualTo("idle_timeout");
        assertThat(j.get("bytesIn").asLong()).isEqualTo(5);
        assertThat(written(AccessLogConfig.Format.TEXT, r)).contains(" 101 ").contains(" tunnel=idle_timeout");
        assertThat(new ObjectMapper()
                        .readTree(written(AccessLogConfig.Format.JSON, answered()))
                        .has("tunnelEnd"))
                .as("plain requests have no tunnel field")
                .isFalse();
    }

    @Test
    void jsonLinesCarryEveryField() throws Exception {
        String line = written(AccessLogConfig.Format.JSON, answered());
        assertThat(line).endsWith("\n").doesNotContain("\n{");
        JsonNode j = new ObjectMapper().readTree(line);
        assertThat(j.get("requestId").asText()).isEqualTo("req-1");
        assertThat(j.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(j.get("method").asText()).isEqualTo("GET");
        assertThat(j.get("path").asText()).isEqualTo("/orders/42");
        assertThat(j.get("status").asInt()).isEqualTo(200);
        assertThat(j.get("durationMs").asDouble()).isEqualTo(1.234);
        assertThat(j.get("bytesIn").asLong()).isEqualTo(5);
        assertThat(j.get("bytesOut").asLong()).isEqualTo(18);
        assertThat(j.get("subject").asText()).isEqualTo("alice");
        assertThat(j.get("authMethod").asText()).isEqualTo("jwt");
        assertThat(j.get("authResult").asText()).isEqualTo("allowed");
        assertThat(j.get("upstreamStatus").asInt()).isEqualTo(200);
        assertThat(j.get("client").asText()).isEqualTo("10.1.2.3");
        assertThat(j.get("protocol").asText()).isEqualTo("http/1.1");
        assertThat(j.has("grpcStatus")).isFalse();
        assertThat(j.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    @Test
    void jsonEscapesWhatASubjectCouldSmuggle() throws Exception {
        RequestRecord r = answered();
        r.auth(RequestRecord.AuthResult.ALLOWED, "jwt", "eve\"\n{\"status\":200}");
        String line = written(AccessLogConfig.Format.JSON, r);
        assertThat(line.split("\n")).hasSize(1);
        assertThat(new ObjectMapper().readTree(line).get("subject").asText()).isEqualTo("eve\"\n{\"status\":200}");
    }

    @Test
    void textLinesAreOneReadableLine() {
        String line = written(AccessLogConfig.Format.TEXT, answered());
        assertThat(line)
                .contains(" GET /orders/42 200 1.234ms in=5 out=18 subject=alice auth=jwt/allowed "
                        + "upstream=200 id=req-1 proto=http/1.1 trace=4bf92f3577b34da6a3ce929d0e0e4736\n");
    }

    @Test
    void offWritesNothing() {
        assertThat(written(AccessLogConfig.Format.OFF, answered())).isEmpty();
    }

    @Test
    void requestsRefusedBeforeForwardingHaveNoUpstreamStatus() throws Exception {
        RequestRecord r = new RequestRecord();
        r.begin("POST", "req-2", null, "10.1.2.3");
        r.path("/admin");
        r.auth(RequestRecord.AuthResult.MISSING, null, null);
        r.status(401);
        JsonNode j = new ObjectMapper().readTree(written(AccessLogConfig.Format.JSON, r));
        assertThat(j.get("upstreamStatus").isNull()).isTrue();
        assertThat(j.has("traceId")).isFalse();
        assertThat(j.get("authResult").asText()).isEqualTo("missing");
    }

    @Test
    void traceIdsAreTakenOnlyFromWellFormedTraceparents() {
        assertThat(TraceContext.traceId(TRACEPARENT)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceContext.traceId(null)).isNull();
        assertThat(TraceContext.traceId("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(TraceContext.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(TraceContext.traceId("garbage")).isNull();
    }

    @Test
    void aRequestIsRecordedOnce() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Recorder recorder = new Recorder(new Metrics(), new AccessLog(AccessLogConfig.Format.TEXT, sink));
        RequestRecord r = answered();
        recorder.complete(r);
        recorder.complete(r);
        recorder.close();
        assertThat(sink.toString(StandardCharsets.UTF_8).split("\n")).hasSize(1);
    }

    /** A closed stdout (EPIPE) loses log lines, never the request that is being logged. */
    @Test
    void aBrokenOutputDropsLinesWithoutFailingTheRequest() {
        java.io.OutputStream broken = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        try (AccessLog log = new AccessLog(AccessLogConfig.Format.JSON, broken)) {
            // More than the 64 KiB buffer, so the writes reach the broken stream.
            for (int i = 0; i < 2_000; i++) {
                log.write(answered(), 1_234_000);
            }
        }
    }
}
