package dev.authsidecar.config;

import java.net.URI;
import java.time.Duration;

/**
 * The application behind the sidecar.
 *
 * @param idleTimeout how long an unused pooled connection is kept; keep it below the application's own
 *     keep-alive timeout so the sidecar, not the application, closes idle connections
 */
public record UpstreamConfig(
        URI url,
        Duration connectTimeout,
        Duration responseHeadTimeout,
        Duration idleTimeout,
        int maxIdlePerThread) {

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
