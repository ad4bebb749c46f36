package dev.authsidecar.tls;

import dev.authsidecar.config.UpstreamConfig;
import dev.authsidecar.config.UpstreamTlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to the application ({@code upstream.url: https://…}): one client context, built at start-up, from which every
 * upstream connection gets its handler. The application's certificate must chain to {@code upstream.caFile} (or,
 * without it, to the JDK's trust store) and name the url's host (endpoint identification {@code HTTPS}, as a
 * browser checks; SNI carries the host name). Versions are TLS 1.3 and 1.2 only. A handshake that fails never
 * falls back to cleartext: the exchange fails with a 502.
 *
 * <p>The JDK's provider is used on this side whatever {@code server.tls.provider} says: these are a few pooled,
 * long-lived connections on loopback, so handshake speed does not matter, and the JDK's hostname verification
 * and trust-store handling are the reference.
 */
public final class UpstreamTls {
    private static final Logger log = LoggerFactory.getLogger(UpstreamTls.class);
    /** A misconfigured CA fails every request; one WARN a minute says why without flooding the log. */
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final SslContext context;
    private final String host;
    private final int port;
    private final long handshakeTimeoutMillis;
    private final boolean http2;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    private UpstreamTls(SslContext context, String host, int port, long handshakeTimeoutMillis, boolean http2) {
        this.context = context;
        this.host = host;
        this.port = port;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.http2 = http2;
    }

    /**
     * @return the TLS of an https:// upstream, or {@code null} for http://
     * @throws TlsException when {@code upstream.caFile}, {@code certFile} or {@code keyFile} cannot be used
     */
    public static UpstreamTls of(UpstreamConfig config) throws TlsException {
        UpstreamTlsConfig tls = config.tls();
        if (tls == null) {
            return null;
        }
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .endpointIdentificationAlgorithm("HTTPS");
        if (tls.caFile() != null) {
            // Replaces the JDK's trust store rather than adding to it, like curl --cacert and nginx's
            // proxy_ssl_trusted_certificate: a private CA should vouch for the application, and only it.
            b.trustManager(PemFiles.certificates(tls.caFile(), "upstream.caFile"));
        }
        if (tls.certFile() != null) {
            List<X509Certificate> chain = PemFiles.certificates(tls.certFile(), "upstream.certFile");
            PrivateKey key = PemFiles.privateKey(tls.keyFile(), chain.get(0), "upstream.keyFile");
            b.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
        if (config.http2()) {
            // Only h2 is offered: an application that cannot speak HTTP/2 must not be spoken to in HTTP/1.1 under
            // a configuration that says h2 (gRPC would break in confusing ways).
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2));
        }
        try {
            return new UpstreamTls(
                    b.build(),
                    config.host(),
                    config.port(),
                    config.connectTimeout().toMillis(),
                    config.http2());
        } catch (SSLException | RuntimeException e) {
            throw new TlsException(
                    tls.certFile() != null ? "upstream.certFile" : "upstream.caFile",
                    "cannot build the TLS context for the application: " + e.getMessage());
        }
    }

    /** A new upstream connection's TLS handler: SNI and hostname verification for the url's host. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler h = context.newHandler(alloc, host, port);
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return h;
    }

    /**
     * Resolves with {@code ch} once its handshake succeeded (and, for HTTP/2, ALPN chose {@code h2}); fails with
     * an {@link UpstreamTlsException} naming the reason otherwise, after closing the connection.
     */
    public Future<Channel> secured(Channel ch) {
        Promise<Channel> promise = ch.eventLoop().newPromise();
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        ssl.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                promise.tryFailure(failed(UpstreamTlsException.of(f.cause(), host)));
            } else if (http2 && !ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                ch.close();
                promise.tryFailure(failed(new UpstreamTlsException(
                        UpstreamTlsException.Reason.NO_HTTP2,
                        "the application did not agree to HTTP/2 in the TLS handshake (ALPN h2); it speaks "
                                + (ssl.applicationProtocol() == null ? "no ALPN" : ssl.applicationProtocol()),
                        null)));
            } else {
                promise.trySuccess(ch);
            }
        });
        return promise;
    }

    private UpstreamTlsException failed(UpstreamTlsException e) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            log.warn(
                    "TLS handshake with the application at {}:{} failed ({}): {}; requests are answered 502 "
                            + "(logged at most once a minute)",
                    host,
                    port,
                    e.reason().label(),
                    e.getMessage());
        } else {
            log.debug(
                    "TLS handshake with the application failed ({}): {}",
                    e.reason().label(),
                    e.getMessage());
        }
        return e;
    }
}
