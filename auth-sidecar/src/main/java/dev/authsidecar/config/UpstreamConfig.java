package dev.authsidecar.config;

import java.net.URI;
import java.time.Duration;

/**
 * The application behind the sidecar.
 *
 * @param idleTimeout how long an unused pooled connection is kept; keep it below the application's own
 *     keep-alive timeout so the sidecar, not the application, closes idle connections
 * @param protocol how the sidecar speaks to the application: HTTP/1.1, or HTTP/2 (with prior knowledge over
 *     cleartext, chosen by ALPN over TLS)
 * @param tls the TLS settings of an {@code https://} url; {@code null} for {@code http://}
 * @param grpc {@code upstream.grpc.url}, or {@code null}: where gRPC calls go instead of {@code url}, always as h2c
 */
public record UpstreamConfig(
        URI url,
        Duration connectTimeout,
        Duration responseHeadTimeout,
        Duration idleTimeout,
        int maxIdlePerThread,
        Protocol protocol,
        UpstreamTlsConfig tls,
        URI grpc) {

    public enum Protocol {
        /** HTTP/1.1, over cleartext or TLS. */
        HTTP1("http1"),
        /** HTTP/2 with prior knowledge, over cleartext ({@code http://}). */
        H2C("h2c"),
        /** HTTP/2 over TLS ({@code https://}), agreed by ALPN. */
        H2("h2");

        private final String key;

        Protocol(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /**
     * The gRPC endpoint as an upstream of its own (same timeouts and pool limits, h2c), or {@code null} when
     * {@code upstream.grpc.url} is not set and gRPC calls go to {@code url} like everything else.
     */
    public UpstreamConfig grpcUpstream() {
        return grpc == null
                ? null
                : new UpstreamConfig(
                        grpc,
                        connectTimeout,
                        responseHeadTimeout,
                        idleTimeout,
                        maxIdlePerThread,
                        Protocol.H2C,
                        null,
                        null);
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort() != -1 ? url.getPort() : tls != null ? 443 : 80;
    }

    /** Whether the application is spoken to in HTTP/2, over cleartext or TLS. */
    public boolean http2() {
        return protocol != Protocol.HTTP1;
    }

    /** The value for a Host header when the client sent none (HTTP/1.0). */
    public String authority() {
        return url.getPort() == -1 ? url.getHost() : url.getHost() + ":" + url.getPort();
    }
}
