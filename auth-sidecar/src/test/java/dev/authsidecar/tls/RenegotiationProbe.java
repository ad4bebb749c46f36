package dev.authsidecar.tls;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSocket;

/**
 * Run as its own process by TlsListenerTest: starts the sidecar with the given certificate, connects with TLS 1.2,
 * asks for a renegotiation and prints whether the sidecar refused it. A refusing server answers the renegotiation
 * ClientHello with an alert or closes; an accepting one completes it and then waits for a request (a timeout).
 */
public final class RenegotiationProbe {
    private RenegotiationProbe() {}

    public static void main(String[] args) throws Exception {
        X509Certificate ca;
        try (InputStream in = new FileInputStream(args[2])) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        try (TestUpstream upstream = new TestUpstream();
                RunningSidecar sidecar = RunningSidecar.start(
                        upstream.url(),
                        "server:\n  listen: 127.0.0.1:0\n"
                                + "  tls:\n    certFile: " + args[0] + "\n    keyFile: " + args[1] + "\n"
                                + "    provider: " + args[3] + "\n"
                                // Not the test: the first handshake must not be cut off on a loaded machine.
                                + "    handshakeTimeout: 30s\n");
                SSLSocket s = (SSLSocket) TestCertificates.clientContext(ca, null)
                        .getSocketFactory()
                        .createSocket("127.0.0.1", sidecar.port())) {
            // Generous: in a fresh JVM on a loaded machine the first handshake (class loading, key and provider
            // set-up on both ends) can take seconds, and a 3 s bound here once failed the test. A refusal ends the
            // wait below as soon as it arrives; only an accepted renegotiation, a failure, waits this long.
            s.setSoTimeout(20_000);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            long start = System.nanoTime();
            s.startHandshake();
            System.out.println("first handshake: " + (System.nanoTime() - start) / 1_000_000 + " ms");
            s.startHandshake();
            try {
                if (s.getInputStream().read() == -1) {
                    throw new EOFException();
                }
                System.out.println("renegotiation: accepted (data arrived)");
            } catch (SocketTimeoutException e) {
                System.out.println("renegotiation: accepted (the handshake completed, the server waits)");
            } catch (IOException e) {
                System.out.println("renegotiation: refused (" + e + ")");
            }
        }
        System.exit(0);
    }
}
