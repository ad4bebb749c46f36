package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.tls.ServerTls;
import dev.authsidecar.tls.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The serving certificate rotated under load, the way the kubelet updates a mounted Secret (the {@code ..data}
 * symlink swap), including a broken update: no request fails, new connections get the new certificate, existing
 * keep-alive connections keep going.
 */
final class TlsRotationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "provider {0}")
    @ValueSource(strings = {"jdk", "openssl"})
    void rotationUnderLoadFailsNoRequestAndABrokenFileKeepsTheOldCertificate(String provider) throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("rotation-ca");
        TestCertificates.Issued first = TestCertificates.server(ca);
        TestCertificates.Issued second = TestCertificates.server(ca);
        TestCertificates.Issued third = TestCertificates.server(ca);
        KubernetesVolume secret = new KubernetesVolume(dir.resolve("tls"));
        secret.write(Map.of("tls.crt", pem(first, "chain"), "tls.key", pem(first, "key")));
        Path config = dir.resolve("sidecar.yaml");
        ListAppender<ILoggingEvent> tlsLog = new ListAppender<>();
        tlsLog.start();
        ((Logger) LoggerFactory.getLogger(ServerTls.class)).addAppender(tlsLog);

        try (TestUpstream upstream = new TestUpstream()) {
            Files.writeString(
                    config,
                    "server:\n  listen: 127.0.0.1:0\n  tls:\n    provider: " + provider + "\n"
                            + "    certFile: tls/tls.crt\n"
                            + "    keyFile: tls/tls.key\nupstream:\n  url: " + upstream.url()
                            + "\nadmin:\n  listen: 127.0.0.1:0\n"
                            + "auth:\n" + RunningSidecar.keys() + "shutdown:\n  drainDelay: 0s\n  timeout: 2s\n");
            try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
                int port = sidecar.sidecar().proxyAddress().getPort();
                SSLContext trust = TestCertificates.clientContext(ca.cert(), null);
                Load load = new Load(port, trust);
                load.start();
                try {
                    awaitServing(load, first, sidecar);

                    secret.write(Map.of("tls.crt", pem(second, "chain"), "tls.key", pem(second, "key")));
                    awaitServing(load, second, sidecar);
                    assertThat(sidecar.metric("auth_sidecar_tls_reloads_total{result=\"success\"}"))
                            .isEqualTo(1);
                    assertThat(sidecar.metric(
                                    "auth_sidecar_tls_certificate_expiry_timestamp_seconds{certificate=\"serving\"}"))
                            .isEqualTo(second.cert().getNotAfter().toInstant().getEpochSecond());

                    // A broken update: the third certificate with the second's key.
                    secret.write(Map.of("tls.crt", pem(third, "chain"), "tls.key", pem(second, "key")));
                    sidecar.await(
                            "the broken update counted",
                            Duration.ofSeconds(10),
                            () -> metricQuietly(sidecar, "auth_sidecar_tls_reloads_total{result=\"failure\"}") == 1);
                    int served = load.handshakes.get();
                    sidecar.await("more handshakes", Duration.ofSeconds(10), () -> load.handshakes.get() > served + 5);
                    assertThat(load.lastSerial.get()).isEqualTo(second.cert().getSerialNumber());
                    Thread.sleep(1000); // several polls: the broken file is reported once, not once per poll
                    assertThat(warnings(tlsLog))
                            .hasSize(1)
                            .first()
                            .asString()
                            .contains("server.tls.keyFile")
                            .contains("keeping the certificate in force");

                    secret.write(Map.of("tls.crt", pem(third, "chain"), "tls.key", pem(third, "key")));
                    awaitServing(load, third, sidecar);
                } finally {
                    load.stop();
                }
                assertThat(load.failures).as("failed requests").isEmpty();
                assertThat(load.handshakes.get()).isGreaterThan(20);
                assertThat(load.keepAliveRequests.get()).isGreaterThan(20);
                assertThat(load.keepAliveSerial.get())
                        .as("the keep-alive connection kept its first certificate")
                        .isEqualTo(first.cert().getSerialNumber());
                assertThat(sidecar.metric("auth_sidecar_tls_handshake_failures_total{reason=\"other\"}"))
                        .isZero();
            }
        } finally {
            ((Logger) LoggerFactory.getLogger(ServerTls.class)).detachAppender(tlsLog);
        }
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> log) {
        return log.list.stream()
                .filter(e -> e.getLevel().toString().equals("WARN"))
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static double metricQuietly(ReloadingSidecar s, String sample) {
        try {
            return s.metric(sample);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitServing(Load load, TestCertificates.Issued cert, ReloadingSidecar sidecar)
            throws InterruptedException {
        sidecar.await(
                "new connections get " + cert.cert().getSerialNumber(),
                Duration.ofSeconds(10),
                () -> cert.cert().getSerialNumber().equals(load.lastSerial.get()));
    }

    private String pem(TestCertificates.Issued issued, String what) throws Exception {
        Path tmp = Files.createTempFile(dir, "pem", ".pem");
        return Files.readString(what.equals("key") ? issued.writeKey(tmp) : issued.writeChain(tmp));
    }

    /** One thread: a new TLS connection per request. Another: requests on one keep-alive connection. */
    private static final class Load {
        final int port;
        final SSLContext trust;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger handshakes = new AtomicInteger();
        final AtomicInteger keepAliveRequests = new AtomicInteger();
        final AtomicReference<BigInteger> lastSerial = new AtomicReference<>();
        final AtomicReference<BigInteger> keepAliveSerial = new AtomicReference<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        Load(int port, SSLContext trust) {
            this.port = port;
            this.trust = trust;
        }

        void start() {
            threads.add(new Thread(this::newConnections, "new-connections"));
            threads.add(new Thread(this::keepAlive, "keep-alive"));
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }

        private void newConnections() {
            while (running.get()) {
                try (SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer "
                                    + RunningSidecar.KEY + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String status = new BufferedReader(
                                    new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
                    if (status == null || !status.startsWith("HTTP/1.1 200")) {
                        failures.add("new connection: " + status);
                    }
                    lastSerial.set(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber());
                    handshakes.incrementAndGet();
                } catch (Exception e) {
                    failures.add("new connection: " + e);
                }
            }
        }

        private void keepAlive() {
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(trust)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
            while (running.get()) {
                try {
                    HttpResponse<String> r = client.send(
                            HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/ping"))
                                    .header("Authorization", "Bearer " + RunningSidecar.KEY)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        failures.add("keep-alive: " + r.statusCode());
                    }
                    keepAliveSerial.compareAndSet(
                            null,
                            ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0])
                                    .getSerialNumber());
                    BigInteger now =
                            ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
                    if (!now.equals(keepAliveSerial.get())) {
                        failures.add("keep-alive connection was replaced: " + now);
                    }
                    keepAliveRequests.incrementAndGet();
                    Thread.sleep(5);
                } catch (Exception e) {
                    failures.add("keep-alive: " + e);
                }
            }
        }
    }
}
