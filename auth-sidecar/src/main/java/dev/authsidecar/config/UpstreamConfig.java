package dev.authsidecar.config;

import java.net.URI;
import java.time.Duration;

/**
 * The application behind the sidecar.
 *
 * @param idleTimeout how long an unused pooled connection is kept; keep it below the application's own
 *     keep-alive timeout so the sidecar, not the application, closes idle connections
 * @param protocol how the sidecar speaks to the application: HTTP/1.1, or HTTP/2 with prior knowledge
 * @param grpc {@code upstream.grpc.url}, or {@code null}: where gRPC calls go instead of {@code url}, always as h2c
 */
public record UpstreamConfig(
        URI url,
        Duration connectTimeout,
        Duration responseHeadTimeout,
        Duration idleTimeout,
        int maxIdlePerThread,
        Protocol protocol,
        URI grpc) {

    public enum Protocol {
        HTTP1("http1"), H2C("h2c");

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
        return grpc == null ? null
                : new UpstreamConfig(grpc, connectTimeout, responseHeadTimeout, idleTimeout, maxIdlePerThread,
                        Protocol.H2C, null);
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort() == -1 ? 80 : url.getPort();
    }

    /** The value for a Host header when the client sent none (HTTP/1.0). */
    public String authority() {
        return url.getPort() == -1 ? url.getHost() : url.getHost() + ":" + url.getPort();
    }
}
