package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.it.H2cTestUpstream;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.it.WebSocketUpstream;
import dev.authsidecar.it.WsClient;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream.url: https://…}: the application is a real Netty TLS server with certificates made for the test;
 * the sidecar runs in-process. Every failed handshake must be a 502 that says why, and nothing may reach the
 * application in cleartext.
 */
@Timeout(60)
final class UpstreamTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};

    @TempDir
    static Path dir;

    static TestCertificates.Issued ca;
    static Path caFile;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.ca("application-ca");
        caFile = ca.writeCert(dir.resolve("app-ca.crt"));
    }

    static SslContext serverContext(TestCertificates.Issued leaf, String... alpn) throws Exception {
        SslContextBuilder b = SslContextBuilder.forServer(
                leaf.keys().getPrivate(), leaf.cert(), leaf.issuer().cert());
        if (alpn.length > 0) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn));
        }
        return b.build();
    }

    static String upstream(String extra) {
        return "upstream:\n  url: URL\n  caFile: " + caFile + "\n" + extra;
    }

    static JsonNode problem(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        return JSON.readTree(r.body());
    }

    static double upstreamErrors(RunningSidecar s, String kind) throws Exception {
        String line = "auth_sidecar_upstream_errors_total{kind=\"" + kind + "\"} ";
        return s.admin("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(line))
                .mapToDouble(l -> Double.parseDouble(l.substring(line.length())))
                .sum();
    }

    @Test
    void theApplicationsCertificateFromCaFileIsTrustedAndOneHandshakeServesManyRequests() throws Exception {
        try (TestUpstream app = new TestUpstream(serverContext(TestCertificates.server(ca)));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream(""))) {
            assertThat(app.url()).startsWith("https://");
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = sidecar.get("/echo", AUTH);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"x-auth-subject\":[\"alice\"]");
            }
            assertThat(app.connections())
                    .as("the pooled connection keeps its TLS session")
                    .isEqualTo(1);
            assertThat(sidecar.get("/echo").statusCode())
                    .as("still authenticated first")
                    .isEqualTo(401);
        }
    }

    @Test
    void aCertificateFromAnotherCaIs502AndNothingIsSentInCleartext() throws Exception {
        TestCertificates.Issued other = TestCertificates.ca("someone-else");
        try (TestUpstream app = new TestUpstream(serverContext(TestCertificates.server(other)));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream(""))) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            JsonNode p = problem(r);
            assertThat(p.get("title").asText()).isEqualTo("Upstream TLS handshake failed");
            assertThat(p.get("detail").asText()).contains("not issued by a CA in upstream.caFile");
            assertThat(app.requests()).as("never falls back to plaintext").isZero();
            assertThat(upstreamErrors(sidecar, "upstream_tls")).isEqualTo(1);
        }
    }

    @Test
    void withoutCaFileTheJdkTrustStoreDecidesAndAPrivateCaIsNotInIt() throws Exception {
        try (TestUpstream app = new TestUpstream(serverContext(TestCertificates.server(ca)));
                RunningSidecar sidecar = RunningSidecar.start(app.url())) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(problem(r).get("detail").asText()).contains("JDK's trust store");
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void aCertificateForAnotherHostIs502() throws Exception {
        TestCertificates.Issued elsewhere = TestCertificates.leaf(
                ca,
                "elsewhere",
                "EC",
                Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(TestCertificates.dns("elsewhere.example")));
        try (TestUpstream app = new TestUpstream(serverContext(elsewhere));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream(""))) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(problem(r).get("detail").asText()).contains("not issued for 127.0.0.1");
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void theHostNameIsCheckedAgainstDnsNamesToo() throws Exception {
        // localhost in the url: SNI carries it, and the certificate's DNS SAN must match it.
        TestCertificates.Issued named = TestCertificates.leaf(
                ca,
                "app",
                "EC",
                Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(TestCertificates.dns("localhost")));
        try (TestUpstream app = new TestUpstream(serverContext(named));
                RunningSidecar good = RunningSidecar.start(
                        app.url(), upstream("").replace("URL", "https://localhost:" + app.port()))) {
            assertThat(good.get("/echo", AUTH).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anExpiredCertificateIs502() throws Exception {
        TestCertificates.Issued expired = TestCertificates.leaf(
                ca,
                "localhost",
                "EC",
                Instant.now().minus(Duration.ofDays(3)),
                Instant.now().minus(Duration.ofDays(1)),
                List.of(
                        TestCertificates.dns("localhost"),
                        new org.bouncycastle.asn1.x509.GeneralName(
                                org.bouncycastle.asn1.x509.GeneralName.iPAddress, "127.0.0.1")));
        try (TestUpstream app = new TestUpstream(serverContext(expired));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream(""))) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(problem(r).get("detail").asText()).contains("expired");
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void anApplicationSpeakingCleartextBehindAnHttpsUrlIs502() throws Exception {
        try (TestUpstream app = new TestUpstream();
                RunningSidecar sidecar = RunningSidecar.start(app.url().replace("http:", "https:"), upstream(""))) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(problem(r).get("title").asText()).isEqualTo("Upstream TLS handshake failed");
            assertThat(app.seen())
                    .as("the request never went out in cleartext (the TLS hello is no request)")
                    .noneMatch(seen -> seen.uri().startsWith("/echo"));
        }
    }

    /**
     * An application that speaks only TLS 1.1 (OpenSSL's test server at security level 0) is refused; the same server
     * offering TLS 1.2 is served, so the refusal is about the version.
     */
    @Test
    void anApplicationOfferingOnlyTls11IsRefusedAndTls12IsServed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        Path cert = leaf.writeCert(dir.resolve("s_server.crt"));
        Path key = leaf.writeKey(dir.resolve("s_server.key"));
        for (String version : new String[] {"-tls1_1", "-tls1_2"}) {
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Process server = new ProcessBuilder(
                            "openssl",
                            "s_server",
                            "-accept",
                            "127.0.0.1:" + port,
                            version,
                            "-cipher",
                            "DEFAULT:@SECLEVEL=0",
                            "-cert",
                            cert.toString(),
                            "-key",
                            key.toString(),
                            "-www",
                            "-naccept",
                            "10")
                    .redirectErrorStream(true)
                    .start();
            try {
                awaitPort(port);
                try (RunningSidecar sidecar = RunningSidecar.start("https://127.0.0.1:" + port, upstream(""))) {
                    HttpResponse<String> r = sidecar.get("/", AUTH);
                    if (version.equals("-tls1_1")) {
                        assertThat(r.statusCode()).as(version).isEqualTo(502);
                        assertThat(problem(r).get("title").asText()).isEqualTo("Upstream TLS handshake failed");
                    } else {
                        assertThat(r.statusCode()).as(version + ": " + r.body()).isEqualTo(200);
                    }
                }
            } finally {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("openssl s_server did not listen on " + port);
    }

    @Test
    void aWebSocketTunnelRunsOverTlsToTheApplication() throws Exception {
        try (WebSocketUpstream app = new WebSocketUpstream(serverContext(TestCertificates.server(ca)));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream(""))) {
            WsClient ws = WsClient.open(HttpClient.newHttpClient(), sidecar.port(), "/ws", AUTH);
            ws.sendText("over tls");
            assertThat(ws.next(5000)).isEqualTo("over tls");
            byte[] blob = new byte[200_000];
            new java.util.Random(3).nextBytes(blob);
            ws.sendBinary(blob);
            assertThat((byte[]) ws.next(5000)).isEqualTo(blob);
            assertThat(app.handshakes().get(0).get("X-Auth-Subject")).isEqualTo("alice");
            ws.socket().sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
            assertThat(ws.closed().get(5, TimeUnit.SECONDS).status()).isEqualTo(1000);
        }
    }

    @Test
    void protocolH2SpeaksHttp2OverTlsChosenByAlpn() throws Exception {
        try (H2cTestUpstream app = new H2cTestUpstream(
                        8, serverContext(TestCertificates.server(ca), ApplicationProtocolNames.HTTP_2));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream("  protocol: h2\n"))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = sidecar.get("/echo?i=" + i, AUTH);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("uri: /echo?i=" + i).contains("x-auth-subject: alice");
            }
            assertThat(app.connections()).as("one multiplexed TLS connection").isEqualTo(1);
            assertThat(app.streams()).isEqualTo(3);
        }
    }

    @Test
    void protocolH2AgainstAnApplicationWithoutHttp2Is502() throws Exception {
        try (TestUpstream app = new TestUpstream(
                        serverContext(TestCertificates.server(ca), ApplicationProtocolNames.HTTP_1_1));
                RunningSidecar sidecar = RunningSidecar.start(app.url(), upstream("  protocol: h2\n"))) {
            HttpResponse<String> r = sidecar.get("/echo", AUTH);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(problem(r).get("detail").asText()).contains("did not agree to HTTP/2");
            assertThat(app.requests()).isZero();
        }
    }

    @Test
    void aClientCertificateIsPresentedWhenTheApplicationAsksForOne() throws Exception {
        TestCertificates.Issued clientCa = TestCertificates.ca("sidecar-clients");
        TestCertificates.Issued client = TestCertificates.leaf(
                clientCa,
                "sidecar",
                "EC",
                Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(TestCertificates.uri("spiffe://test/sidecar")));
        TestCertificates.Issued leaf = TestCertificates.server(ca);
        SslContext requiring = SslContextBuilder.forServer(leaf.keys().getPrivate(), leaf.cert(), ca.cert())
                .trustManager(clientCa.cert())
                .clientAuth(ClientAuth.REQUIRE)
                .build();
        try (TestUpstream app = new TestUpstream(requiring)) {
            try (RunningSidecar with = RunningSidecar.start(
                    app.url(),
                    upstream("  certFile: "
                            + client.writeChain(dir.resolve("client.crt")) + "\n  keyFile: "
                            + client.writeKey(dir.resolve("client.key")) + "\n"))) {
                assertThat(with.get("/echo", AUTH).statusCode()).isEqualTo(200);
            }
            try (RunningSidecar without = RunningSidecar.start(app.url(), upstream(""))) {
                HttpResponse<String> r = without.get("/echo", AUTH);
                assertThat(r.statusCode()).isEqualTo(502);
                JsonNode p = problem(r);
                assertThat(p.get("title").asText()).isEqualTo("Upstream TLS handshake failed");
                assertThat(p.get("detail").asText()).contains("client certificate");
            }
            assertThat(app.requests())
                    .as("only the request with the certificate got through")
                    .isEqualTo(1);
        }
    }
}
