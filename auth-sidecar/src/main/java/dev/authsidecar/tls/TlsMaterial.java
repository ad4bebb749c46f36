package dev.authsidecar.tls;

import dev.authsidecar.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One generation of the listener's certificate material, read from the PEM files and turned into a Netty
 * {@link SslContext}. Built at start-up and again on every rotation; a connection keeps the context it started
 * with.
 *
 * <p>Keys must be PKCS#8 ({@code BEGIN PRIVATE KEY}). PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}) files are refused with the one command that converts them, rather than pulling
 * BouncyCastle (about 9 MB) into the image for a one-time conversion; cert-manager writes PKCS#8 when the
 * Certificate says {@code privateKey.encoding: PKCS8}. The PEM framing is read here and the key decoded by the JDK,
 * so the outcome does not depend on whether BouncyCastle happens to be on the class path.
 *
 * @param chain the serving certificate first, then its intermediates
 * @param clientCas the certificates that verify client certificates; empty when none are asked for
 */
public record TlsMaterial(SslContext context, List<X509Certificate> chain, List<X509Certificate> clientCas) {
    private static final String KEYS = "server.tls.";

    /** @throws TlsException naming the file and what is wrong with it, never the key's content */
    public static TlsMaterial load(TlsConfig config) throws TlsException {
        List<X509Certificate> chain = PemFiles.certificates(config.certFile(), KEYS + "certFile");
        PrivateKey key = PemFiles.privateKey(config.keyFile(), chain.get(0), KEYS + "keyFile");
        List<X509Certificate> cas = config.clientAuth() == TlsConfig.ClientAuth.NONE
                ? List.of()
                : PemFiles.certificates(config.clientCaFile(), KEYS + "clientCaFile");
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(
                            config.provider() == TlsConfig.Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(config.protocols())
                    .ciphers(config.cipherSuites(), IdentityCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            // A client offering only protocols we do not speak gets http/1.1 rather than an alert:
                            // what nginx and Envoy do, and what curl and old clients expect.
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            config.alpn()));
            switch (config.clientAuth()) {
                case NONE -> b.clientAuth(ClientAuth.NONE);
                case OPTIONAL -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(cas.toArray(X509Certificate[]::new));
                case REQUIRE -> b.clientAuth(ClientAuth.REQUIRE).trustManager(cas.toArray(X509Certificate[]::new));
            }
            return new TlsMaterial(b.build(), List.copyOf(chain), List.copyOf(cas));
        } catch (IOException | RuntimeException e) {
            throw new TlsException(KEYS + "certFile", "cannot build the TLS context: " + e.getMessage());
        }
    }

    /** When the serving certificate (the first of the chain) stops being valid. */
    public Instant servingExpiry() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /** When the first client CA stops being valid, or {@code null} without client certificates. */
    public Instant clientCaExpiry() {
        return clientCas.stream()
                .map(c -> c.getNotAfter().toInstant())
                .min(Instant::compareTo)
                .orElse(null);
    }
}
