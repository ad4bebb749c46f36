package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy port over TLS with real clients: the JDK's HttpClient, Netty's client, raw sockets, curl, openssl. Every
 * test runs once per {@code server.tls.provider}.
 */
@ParameterizedClass(name = "provider {0}")
@ValueSource(strings = {"jdk", "openssl"})
final class TlsListenerTest {
    @TempDir
    static Path dir;

    static TestCertificates.Issued ca;
    static TestUpstream upstream;
    static RunningSidecar sidecar;
    static String provider;
    /** This run's provider; also kept in {@link #provider} for the static set-up. */
    @Parameter
    String providerName;

    /** The listener's {@code server} section for this run's provider, with more {@code tls} lines. */
    static String server(String tlsLines) {
        return "server:\n  listen: 127.0.0.1:0\n  tls:\n    provider: " + provider + "\n"
                + "    certFile: " + dir.resolve("tls.crt") + "\n    keyFile: " + dir.resolve("tls.key") + "\n"
                + tlsLines;
    }

    @BeforeParameterizedClassInvocation
    static void start(String name) throws Exception {
        provider = name;
        ca = TestCertificates.ca("test-ca");
        TestCertificates.Issued server = TestCertificates.server(ca);
        server.writeChain(dir.resolve("tls.crt"));
        server.writeKey(dir.resolve("tls.key"));
        upstream = new TestUpstream();
        sidecar = RunningSidecar.start(upstream.url(), server("    handshakeTimeout: 2s\n"));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    static HttpClient client(SSLContext ctx, String... protocols) {
        SSLParameters params = new SSLParameters();
        if (protocols.length > 0) {
            params.setProtocols(protocols);
        }
        return HttpClient.newBuilder()
                .sslContext(ctx)
                .sslParameters(params)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    static HttpResponse<String> ping(HttpClient client, int port) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/ping"))
                        .header("Authorization", "Bearer " + RunningSidecar.KEY)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String metricsQuietly() {
        try {
            return metrics(sidecar)
                    .lines()
                    .filter(l -> l.startsWith("auth_sidecar_tls"))
                    .toList()
                    .toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    static String metrics(RunningSidecar s) throws Exception {
        return s.admin("/metrics").body();
    }

    @Test
    void tls12AndTls13AreServedAndTheApplicationSeesHttps() throws Exception {
        for (String version : new String[] {"TLSv1.2", "TLSv1.3"}) {
            int before = upstream.seen().size();
            HttpResponse<String> r =
                    ping(client(TestCertificates.clientContext(ca.cert(), null), version), sidecar.port());

            assertThat(r.statusCode()).as(version).isEqualTo(200);
            assertThat(r.sslSession())
                    .get()
                    .extracting(javax.net.ssl.SSLSession::getProtocol)
                    .isEqualTo(version);
            assertThat(upstream.seen()).hasSize(before + 1);
            assertThat(upstream.seen().get(before).headers().get("X-Forwarded-Proto"))
                    .isEqualTo("https");
        }
    }

    @Test
    void nettyClientNegotiatesHttp11ByAlpn() throws Exception {
        SslContext ctx = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(ca.cert())
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        "http/1.1"))
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
            Channel ch = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline()
                                    .addLast(
                                            ctx.newHandler(c.alloc(), "localhost", sidecar.port()),
                                            new HttpClientCodec(),
                                            new HttpObjectAggregator(65536),
                                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                                                @Override
                                                protected void channelRead0(
                                                        ChannelHandlerContext c, FullHttpResponse r) {
                                                    response.complete(r.retainedDuplicate());
                                                }
                                            });
                        }
                    })
                    .connect("127.0.0.1", sidecar.port())
                    .sync()
                    .channel();
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            ssl.handshakeFuture().await();
            ch.closeFuture()
                    .addListener(f -> response.completeExceptionally(new IOException("closed: " + metricsQuietly())));
            assertThat(ssl.applicationProtocol()).isEqualTo("http/1.1");
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ping");
            req.headers()
                    .set(HttpHeaderNames.HOST, "localhost")
                    .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + RunningSidecar.KEY);
            ch.writeAndFlush(req);
            FullHttpResponse r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.status().code()).isEqualTo(200);
            assertThat(r.content().toString(StandardCharsets.UTF_8)).contains("\"x-forwarded-proto\":[\"https\"]");
            r.release();
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** HTTP/2 over TLS: ALPN offers h2, and the streams run the same request path as h2c and HTTP/1.1. */
    @Test
    void aClientOfferingH2GetsHttp2OverTlsThroughTheSameRequestPath() throws Exception {
        HttpClient h2 = HttpClient.newBuilder()
                .sslContext(TestCertificates.clientContext(ca.cert(), null))
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        URI ping = URI.create("https://127.0.0.1:" + sidecar.port() + "/ping");
        int before = upstream.seen().size();

        HttpResponse<String> allowed = h2.send(
                HttpRequest.newBuilder(ping)
                        .header("Authorization", "Bearer " + RunningSidecar.KEY)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> refused = h2.send(
                HttpRequest.newBuilder(ping).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(allowed.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("www-authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(upstream.seen()).hasSize(before + 1);
        assertThat(upstream.seen().get(before).headers().get("X-Forwarded-Proto"))
                .isEqualTo("https");
        assertThat(upstream.seen().get(before).headers().get("X-Auth-Subject")).isEqualTo("alice");
        assertThat(metrics(sidecar)).contains("protocol=\"h2\"");
    }

    /** With server.http2.enabled false, ALPN offers only http/1.1 and an HTTP/2 client falls back to it. */
    @Test
    void withHttp2OffAClientOfferingH2GetsHttp11() throws Exception {
        try (RunningSidecar h1only = RunningSidecar.start(
                upstream.url(), server("").replace("  tls:\n", "  http2:\n    enabled: false\n  tls:\n"))) {
            HttpClient h2 = HttpClient.newBuilder()
                    .sslContext(TestCertificates.clientContext(ca.cert(), null))
                    .version(HttpClient.Version.HTTP_2)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

            HttpResponse<String> r = h2.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h1only.port() + "/ping"))
                            .header("Authorization", "Bearer " + RunningSidecar.KEY)
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void minVersionTls13RefusesTls12Clients() throws Exception {
        try (RunningSidecar s13 = RunningSidecar.start(upstream.url(), server("    minVersion: TLSv1.3\n"))) {
            SSLContext ctx = TestCertificates.clientContext(ca.cert(), null);

            assertThat(ping(client(ctx, "TLSv1.3"), s13.port()).statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> ping(client(ctx, "TLSv1.2"), s13.port()))
                    .isInstanceOf(SSLHandshakeException.class);
            assertThat(metrics(s13))
                    .contains("auth_sidecar_tls_handshake_failures_total{reason=\"protocol_version\"} 1.0");
        }
    }

    /**
     * In a fresh JVM: the JDK reads the renegotiation switch once per process, and other tests in this JVM may
     * have run a TLS server (TlsFetchTest) before the sidecar's code set it.
     */
    @Test
    void clientInitiatedRenegotiationIsRefused() throws Exception {
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        RenegotiationProbe.class.getName(),
                        dir.resolve("tls.crt").toString(),
                        dir.resolve("tls.key").toString(),
                        ca.writeCert(dir.resolve("probe-ca.crt")).toString(),
                        provider)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(out).as(out).contains("renegotiation: refused");
    }

    @Test
    void aClientThatNeverFinishesItsHandshakeIsCutOffAtTheTimeout() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", sidecar.port()), 5000);
            s.setSoTimeout(5000);
            // The start of a TLS record (handshake, TLS 1.0 record version), then nothing more.
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0x80});
            s.getOutputStream().flush();
            long start = System.nanoTime();
            int read = s.getInputStream().read();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(read).as("closed without a byte").isEqualTo(-1);
            assertThat(waited)
                    .as("cut off at handshakeTimeout (2s), not at the 60s idle timeout")
                    .isBetween(1500L, 10_000L);
        }
        assertThat(metrics(sidecar)).contains("auth_sidecar_tls_handshake_failures_total{reason=\"timeout\"}");
        assertThat(metrics(sidecar))
                .doesNotContain("auth_sidecar_tls_handshake_failures_total{reason=\"timeout\"} 0.0");
    }

    @Test
    void plaintextHttpToTheTlsPortIsRefused() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /ping HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + RunningSidecar.KEY
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = readAll(s.getInputStream());

            assertThat(new String(answer, StandardCharsets.ISO_8859_1))
                    .doesNotContain("HTTP/1.1")
                    .doesNotContain("pong");
        }
        assertThat(metrics(sidecar)).contains("auth_sidecar_tls_handshake_failures_total{reason=\"not_tls\"} ");
        assertThat(metrics(sidecar))
                .doesNotContain("auth_sidecar_tls_handshake_failures_total{reason=\"not_tls\"} 0.0");
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsAndNothingIsForwarded() throws Exception {
        int before = upstream.requests();
        TestCertificates.Issued otherCa = TestCertificates.ca("other-ca");
        HttpClient c = client(TestCertificates.clientContext(otherCa.cert(), null));

        assertThatThrownBy(() -> ping(c, sidecar.port())).isInstanceOf(SSLHandshakeException.class);
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void theProviderAskedForServesTheListener() throws Exception {
        assertThat(metrics(sidecar)).contains("auth_sidecar_tls_info{provider=\"" + providerName + "\"} 1.0");
    }

    @Test
    void theAdminPortStaysPlaintext() throws Exception {
        assertThat(sidecar.admin("/healthz").statusCode()).isEqualTo(200);
        assertThat(metrics(sidecar))
                .contains("auth_sidecar_tls_certificate_expiry_timestamp_seconds{certificate=\"serving\"}");
    }

    @Test
    void curlGetsPongOverTls() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        Path caFile = ca.writeCert(dir.resolve("ca.crt"));
        Process p = new ProcessBuilder(
                        "curl",
                        "-sS",
                        "--cacert",
                        caFile.toString(),
                        "-H",
                        "Authorization: Bearer " + RunningSidecar.KEY,
                        "https://localhost:" + sidecar.port() + "/ping")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("\"x-forwarded-proto\":[\"https\"]");
    }

    @Test
    void openSslWithTls11IsRefusedByTheServer() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        // The JDK's own client refuses to speak TLS 1.1 at all; OpenSSL at security level 0 still offers it, so the
        // refusal seen here is the sidecar's.
        for (String version : new String[] {"-tls1_1", "-tls1"}) {
            Process p = new ProcessBuilder(
                            "openssl",
                            "s_client",
                            "-connect",
                            "127.0.0.1:" + sidecar.port(),
                            version,
                            "-cipher",
                            "DEFAULT:@SECLEVEL=0")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isNotZero();
            assertThat(out).doesNotContain("BEGIN CERTIFICATE");
        }
        assertThat(metrics(sidecar))
                .doesNotContain("auth_sidecar_tls_handshake_failures_total{reason=\"protocol_version\"} 0.0");
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try {
            return in.readAllBytes();
        } catch (java.net.SocketException e) {
            return new byte[0]; // reset: refused all the same
        }
    }
}
