package dev.authsidecar.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code server.tls}: the listener speaks TLS only when this is present. Paths are checked to exist at load; their
 * content is read by {@code dev.authsidecar.tls.TlsMaterial}, at start-up and again whenever the files change.
 *
 * @param protocols the enabled versions, newest first: {@code [TLSv1.3, TLSv1.2]} or {@code [TLSv1.3]}
 * @param cipherSuites enabled suites, in preference order, each supported by the JDK and strong (checked at load)
 * @param clientCaFile CA bundle that verifies client certificates; {@code null} when {@code clientAuth} is none
 * @param provider whose TLS implementation serves the listener
 */
public record TlsConfig(
        Path certFile,
        Path keyFile,
        List<String> protocols,
        List<String> cipherSuites,
        Duration handshakeTimeout,
        Path clientCaFile,
        ClientAuth clientAuth,
        List<String> alpn,
        Provider provider) {

    /** {@code server.tls.provider}. */
    public enum Provider {
        /** The JDK's {@code SSLEngine}: no native code. */
        JDK("jdk"),
        /** BoringSSL through netty-tcnative: native code, checked to load at start-up. */
        OPENSSL("openssl");

        private final String key;

        Provider(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** ALPN names in order of preference: {@code h2} first when HTTP/2 is on, then {@code http/1.1}. */
    public static List<String> alpn(boolean http2) {
        return http2 ? List.of("h2", "http/1.1") : List.of("http/1.1");
    }

    public enum ClientAuth {
        /** No certificate is asked for. */
        NONE,
        /** Asked for; a client without one is still served, one with a certificate the CA does not verify is not. */
        OPTIONAL,
        /** A certificate the CA verifies is a condition of the handshake. */
        REQUIRE
    }

    public TlsConfig {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }
}
