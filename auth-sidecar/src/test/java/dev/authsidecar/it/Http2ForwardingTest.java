package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HTTP/2 with prior knowledge on the proxy port, forwarded to an HTTP/1.1 application: the same request path. */
@Timeout(60)
class Http2ForwardingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUTH = "authorization";
    private static final String BEARER = "Bearer " + RunningSidecar.KEY;

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url);

    @Test
    void noCredentialIs401WithChallengeAndNeverReachesTheApplication() throws Exception {
        int before = upstream.requests();
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.Response r = client.get("/ping");
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.headers().get("www-authenticate")).isEqualTo("Bearer realm=\"auth-sidecar\"");
            assertThat(r.headers().get("content-type")).isEqualTo("application/problem+json");
            assertThat(JSON.readTree(r.body()).get("status").asInt()).isEqualTo(401);
        }
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void validKeyReachesTheApplicationOverHttp11WithIdentityAndNoHttp2Internals() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.Response r = client.get("/echo?x=1", AUTH, BEARER, "x-http2-scheme", "ftp");
            assertThat(r.status()).isEqualTo(200);
            JsonNode echo = JSON.readTree(r.body());
            assertThat(echo.get("uri").asText()).isEqualTo("/echo?x=1");
            JsonNode headers = echo.get("headers");
            assertThat(headers.get("x-auth-subject").get(0).asText()).isEqualTo("alice");
            assertThat(headers.get("host").get(0).asText()).isEqualTo("sidecar.test");
            assertThat(headers.has("authorization")).isFalse();
            headers.fieldNames().forEachRemaining(name -> assertThat(name).doesNotStartWith("x-http2-"));
            assertThat(r.headers().get("x-request-id")).isNotBlank();
        }
    }

    @Test
    void requestAndResponseBodiesStreamBothWays() throws Exception {
        byte[] body = new byte[3 << 20];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.Response up = client.send(
                            H2Client.request(HttpMethod.POST, "/upload", Unpooled.wrappedBuffer(body), AUTH, BEARER))
                    .get(30, TimeUnit.SECONDS);
            assertThat(up.status()).isEqualTo(200);
            JsonNode sum = JSON.readTree(up.body());
            assertThat(sum.get("bytes").asLong()).isEqualTo(body.length);
            assertThat(sum.get("crc32").asLong()).isEqualTo(crc.getValue());

            int n = 5 << 20;
            H2Client.Response down = client.get("/download?bytes=" + n, AUTH, BEARER);
            assertThat(down.status()).isEqualTo(200);
            byte[] got = down.bodyBytes();
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i += 4099) {
                assertThat(got[i]).isEqualTo(TestUpstream.patternByte(i));
            }
        }
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAndARefusedOneDisturbsNone() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            List<CompletableFuture<H2Client.Response>> ok = new ArrayList<>();
            List<CompletableFuture<H2Client.Response>> refused = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ok.add(client.send(H2Client.request(HttpMethod.GET, "/slow?ms=200&i=" + i, AUTH, BEARER)));
                if (i % 10 == 0) {
                    refused.add(client.send(H2Client.request(HttpMethod.GET, "/slow?ms=1")));
                    refused.add(client.send(H2Client.request(HttpMethod.GET, "/a/%2e%2e/%2fsecret", AUTH, BEARER)));
                }
            }
            for (int i = 0; i < ok.size(); i++) {
                H2Client.Response r = ok.get(i).get(30, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).get("uri").asText()).isEqualTo("/slow?ms=200&i=" + i);
            }
            for (int i = 0; i < refused.size(); i++) {
                assertThat(refused.get(i).get(30, TimeUnit.SECONDS).status()).isEqualTo(i % 2 == 0 ? 401 : 400);
            }
            assertThat(client.connection().isActive()).isTrue();
            assertThat(client.get("/echo", AUTH, BEARER).status()).isEqualTo(200);
        }
    }

    @Test
    void aStreamNobodyReadsHoldsOnlyItsWindowAndDoesNotStallItsSiblings() throws Exception {
        long total = 64L << 20;
        try (H2Client client = new H2Client(sidecar.port())) {
            H2Client.StalledStream slow =
                    client.sendStalled(H2Client.request(HttpMethod.GET, "/download?bytes=" + total, AUTH, BEARER));
            long before = upstream.downloadBytesProduced();
            Thread.sleep(1500);
            for (int i = 0; i < 10; i++) {
                assertThat(client.get("/echo?sibling=" + i, AUTH, BEARER).status())
                        .isEqualTo(200);
            }
            long held = upstream.downloadBytesProduced() - before;
            // The client's 1 MiB stream window, the sidecar's outbound high-water mark and the loopback socket
            // buffers: far below the body. Without backpressure the application would have sent it all.
            assertThat(held).isLessThan(24L << 20);
            slow.resume();
            assertThat(slow.status().get(30, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(slow.bytes().get(60, TimeUnit.SECONDS)).isEqualTo(total);
        }
    }

    @Test
    void requestsAreCountedWithTheirProtocol() throws Exception {
        try (H2Client client = new H2Client(sidecar.port())) {
            assertThat(client.get("/echo", AUTH, BEARER).status()).isEqualTo(200);
        }
        assertThat(sidecar.get("/echo", "Authorization", BEARER).statusCode()).isEqualTo(200);
        String metrics = sidecar.admin("/metrics").body();
        assertThat(metrics).containsPattern("auth_sidecar_requests_total\\{[^}]*protocol=\"h2c\"[^}]*\\} [1-9]");
        assertThat(metrics).containsPattern("auth_sidecar_requests_total\\{[^}]*protocol=\"http/1.1\"[^}]*\\} [1-9]");
    }

    /**
     * A client sends its token on every stream; the connection remembers it once verified, as an HTTP/1.1
     * connection does, so later streams neither hash it nor look it up in the credential cache.
     */
    @Test
    void theStreamsOfOneConnectionShareItsVerifiedCredential() throws Exception {
        com.nimbusds.jose.jwk.RSAKey key = dev.authsidecar.testing.Tokens.rsa("h2");
        String jwt = JwtFlowTest.token(
                key, java.util.Map.of(), java.time.Instant.now().plusSeconds(600));
        try (TestUpstream app = new TestUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        JwtFlowTest.authWithProvider("jwksFile: " + dev.authsidecar.testing.Tokens.jwksFile(key)))) {
            try (H2Client client = new H2Client(proxy.port())) {
                for (int i = 0; i < 5; i++) {
                    assertThat(client.get("/echo", AUTH, "Bearer " + jwt).status())
                            .isEqualTo(200);
                }
            }
            try (H2Client other = new H2Client(proxy.port())) {
                assertThat(other.get("/echo", AUTH, "Bearer " + jwt).status()).isEqualTo(200);
            }
            String metrics = proxy.admin("/metrics").body();
            assertThat(metrics)
                    .as("verified once on the first connection; the second found it in the cache")
                    .contains("auth_sidecar_credential_cache_requests_total{result=\"miss\"} 1.0")
                    .contains("auth_sidecar_credential_cache_requests_total{result=\"hit\"} 1.0");
        }
    }

    @Test
    void http11StillWorksOnTheSamePort() throws Exception {
        assertThat(sidecar.get("/echo", "Authorization", BEARER).statusCode()).isEqualTo(200);
        assertThat(sidecar.get("/echo").statusCode()).isEqualTo(401);
    }
}
