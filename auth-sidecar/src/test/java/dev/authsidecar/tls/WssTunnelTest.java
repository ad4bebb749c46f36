package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.WebSocketUpstream;
import dev.authsidecar.it.WsClient;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebSocket tunnel over the TLS listener (wss://): the tunnel relays the decrypted bytes, TLS stays in place. */
final class WssTunnelTest {
    @TempDir
    Path dir;

    @Test
    void aWebSocketTunnelWorksOverTlsWithAClientCertificateIdentity() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("ca");
        TestCertificates.Issued server = TestCertificates.server(ca);
        TestCertificates.Issued client = TestCertificates.leaf(
                ca,
                "w",
                "EC",
                java.time.Instant.now(),
                java.time.Instant.now().plusSeconds(3600),
                java.util.List.of(TestCertificates.uri("spiffe://td/w")));
        try (WebSocketUpstream app = new WebSocketUpstream();
                RunningSidecar proxy = RunningSidecar.start(
                        app.url(),
                        "server:\n  listen: 127.0.0.1:0\n  tls:\n"
                                + "    certFile: " + server.writeChain(dir.resolve("c.pem")) + "\n    keyFile: "
                                + server.writeKey(dir.resolve("k.pem")) + "\n    clientCaFile: "
                                + ca.writeCert(dir.resolve("ca.pem")) + "\n    clientAuth: optional\n")) {
            HttpClient https = HttpClient.newBuilder()
                    .sslContext(client.clientContext(ca.cert()))
                    .build();
            WsClient ws = WsClient.open(https, proxy.port(), "/ws");
            byte[] blob = new byte[200_000];
            new Random(3).nextBytes(blob);
            ws.sendText("over tls");
            assertThat(ws.next(5000)).isEqualTo("over tls");
            ws.sendBinary(blob);
            assertThat((byte[]) ws.next(5000)).isEqualTo(blob);

            var seen = app.handshakes().get(app.handshakes().size() - 1);
            assertThat(seen.get("X-Auth-Method")).isEqualTo("mtls");
            assertThat(seen.get("X-Auth-Subject")).isEqualTo("spiffe://td/w");
            assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("https");
            ws.socket().sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
            assertThat(ws.closed().get(5, TimeUnit.SECONDS).status()).isEqualTo(1000);
        }
    }
}
