package dev.authsidecar.tls;

import dev.authsidecar.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's TLS: the certificate material in force and the handlers a new connection gets. Rotation replaces
 * the material in one volatile write; a connection keeps the {@link io.netty.handler.ssl.SslContext} its handler
 * was made from, so existing connections are never disturbed.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    static {
        refuseClientRenegotiation();
    }

    /**
     * TLS 1.2 renegotiation started by the client costs the server a full handshake per request and has a history
     * of attacks; nothing legitimate needs it in front of an HTTP application (TLS 1.3 has none). The JDK reads the
     * property once per process, when its server handshake code first loads, so {@code Main} calls this first
     * thing; an operator's own {@code -Djdk.tls.rejectClientInitiatedRenegotiation} is left alone.
     */
    public static void refuseClientRenegotiation() {
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    private final TlsConfig config;
    private final TlsMetrics metrics;
    private volatile TlsMaterial current;

    private ServerTls(TlsConfig config, TlsMaterial material, PrometheusRegistry registry) {
        this.config = config;
        this.current = material;
        this.metrics = new TlsMetrics(registry, () -> this.current, config.provider());
    }

    /** @throws TlsException when the files cannot be used; nothing is registered then */
    public static ServerTls start(TlsConfig config, PrometheusRegistry registry) throws TlsException {
        return new ServerTls(config, TlsMaterial.load(config), registry);
    }

    public TlsConfig config() {
        return config;
    }

    public TlsMaterial material() {
        return current;
    }

    /** A new connection's TLS handler, from the material in force now, with the handshake deadline set. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler h = current.context().newHandler(alloc);
        h.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
        return h;
    }

    void handshakeFailed(HandshakeFailure reason) {
        metrics.handshakeFailed(reason);
    }

    /**
     * Reads the files again and puts the new material in force, or keeps the old one: a half-written or
     * mismatched file must never take the listener down.
     *
     * @return whether the new material is in force
     */
    public boolean reload() {
        try {
            TlsMaterial next = TlsMaterial.load(config);
            current = next;
            metrics.reloaded(true);
            log.info(
                    "TLS certificate reloaded: {} (valid until {})",
                    next.chain().get(0).getSubjectX500Principal().getName(),
                    next.servingExpiry());
            return true;
        } catch (TlsException e) {
            metrics.reloaded(false);
            log.warn(
                    "{}: {}; keeping the certificate in force (valid until {})",
                    e.keyPath(),
                    e.getMessage(),
                    current.servingExpiry());
            return false;
        }
    }
}
