package dev.authsidecar.config;

import java.time.Duration;
import java.util.List;

/**
 * The downstream side: where clients connect and what they may send.
 *
 * @param ioThreads event loops; 0 means one per available processor
 * @param requestHeadTimeout the whole request head must arrive within this, from its first byte
 * @param requestBodyTimeout the longest wait for more of a request body while the sidecar is ready for it
 * @param maxConnections client connections open at once; one more is closed as soon as it is accepted
 * @param trustForwardedHeaders keep incoming X-Forwarded-Proto/-Host (set by a trusted ingress) instead of
 *     overwriting them with what the sidecar saw
 * @param upgrades the {@code Upgrade} tokens that may become a tunnel: {@code websocket} or none at all
 * @param tunnelIdleTimeout a tunnel with no byte in either direction for this long is closed
 * @param http2 HTTP/2 with prior knowledge on the same listener
 * @param tls the listener's TLS settings, or {@code null} for cleartext
 * @param transport which of Netty's transports carries every socket (listener, upstream, admin)
 */
public record ServerConfig(
        HostPort listen,
        int ioThreads,
        int maxRequestLineBytes,
        int maxHeaderBytes,
        Duration requestHeadTimeout,
        Duration requestBodyTimeout,
        Duration idleTimeout,
        int maxConnections,
        boolean trustForwardedHeaders,
        List<String> upgrades,
        Duration tunnelIdleTimeout,
        Http2Config http2,
        TlsConfig tls,
        TransportChoice transport) {

    public ServerConfig {
        upgrades = List.copyOf(upgrades);
    }

    public boolean secure() {
        return tls != null;
    }

    /** Whether a WebSocket upgrade may become a tunnel at all. */
    public boolean websocketTunnels() {
        return upgrades.contains(WEBSOCKET);
    }

    public static final String WEBSOCKET = "websocket";

    /** {@code server.transport}: a transport asked for by name, or {@code auto} (the fastest this kernel has). */
    public enum TransportChoice {
        AUTO("auto"),
        IO_URING("io_uring"),
        EPOLL("epoll"),
        NIO("nio");

        private final String key;

        TransportChoice(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }
}
