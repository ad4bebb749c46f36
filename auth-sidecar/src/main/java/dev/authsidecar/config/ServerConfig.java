package dev.authsidecar.config;

import java.time.Duration;

/**
 * The downstream side: where clients connect and what they may send.
 *
 * @param ioThreads event loops; 0 means one per available processor
 * @param trustForwardedHeaders keep incoming X-Forwarded-Proto/-Host (set by a trusted ingress) instead of
 *     overwriting them with what the sidecar saw
 */
public record ServerConfig(
        HostPort listen,
        int ioThreads,
        int maxRequestLineBytes,
        int maxHeaderBytes,
        Duration requestHeadTimeout,
        Duration idleTimeout,
        boolean trustForwardedHeaders) {
}
