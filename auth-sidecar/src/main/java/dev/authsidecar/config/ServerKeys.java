package dev.authsidecar.config;

import static dev.authsidecar.config.ConfigKey.Reload.APPLIED;
import static dev.authsidecar.config.ConfigKey.Reload.RESTART;

import dev.authsidecar.config.ConfigKey.BoolKey;
import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.time.Duration;
import java.util.List;

/**
 * The keys of {@code server}: the proxy listener, its HTTP/2 limits and its TLS. The HTTP/2 bounds are RFC 9113's
 * (frame size 16 KiB to 16 MiB) narrowed to what makes sense for a sidecar: a window above 16 MiB or more than
 * 10 000 streams only multiplies the memory one client can pin.
 */
final class ServerKeys {
    private static final Declarations D = new Declarations();
    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration DAY = Duration.ofDays(1);

    static final Structure SERVER =
            D.section("server", RESTART, "the proxy listener: where clients connect and what they may send");
    static final TextKey LISTEN =
            D.text("server.listen", "HOST:PORT", "0.0.0.0:8081", RESTART, "proxy listen address (flag --listen)");
    static final IntKey IO_THREADS =
            D.integer("server.ioThreads", 0, 0, 256, RESTART, "event loops; 0 = one per available CPU");
    /** auto's order and the numbers behind it: docs/transport.md. */
    static final TextKey TRANSPORT = D.text(
            "server.transport",
            "auto | io_uring | epoll | nio",
            "auto",
            RESTART,
            "Netty transport for every socket; auto = epoll, else io_uring, else NIO (docs/transport.md); a named one that"
                    + " cannot run here stops start-up");

    static final IntKey MAX_REQUEST_LINE_BYTES = D.integer(
            "server.maxRequestLineBytes", 8192, 256, 1 << 20, RESTART, "a longer request line is answered 414");
    static final IntKey MAX_HEADER_BYTES =
            D.integer("server.maxHeaderBytes", 16384, 1024, 1 << 20, RESTART, "a larger header block is answered 431");
    static final DurationKey REQUEST_HEAD_TIMEOUT = D.duration(
            "server.requestHeadTimeout",
            Duration.ofSeconds(10),
            MS,
            DAY,
            RESTART,
            "deadline for a whole request head, from its first byte; then 408");
    static final DurationKey REQUEST_BODY_TIMEOUT = D.duration(
            "server.requestBodyTimeout",
            Duration.ofSeconds(60),
            MS,
            DAY,
            RESTART,
            "longest wait for more of a request body while the sidecar is ready for it; then 408");
    static final DurationKey IDLE_TIMEOUT = D.duration(
            "server.idleTimeout",
            Duration.ofSeconds(60),
            MS,
            DAY,
            RESTART,
            "a keep-alive connection with no request in progress is closed after this");
    /**
     * Each open connection holds about 4 KiB of heap (Netty's channel and pipeline, the HTTP decoder's line buffer,
     * the last credential): with the image's 48 MiB heap, a few thousand beside a full credential cache. Past the
     * limit a new connection is closed at once rather than letting enough of them exhaust the heap and stop the
     * process (docs/memory.md).
     */
    static final IntKey MAX_CONNECTIONS = D.integer(
            "server.maxConnections",
            4096,
            1,
            1_000_000,
            RESTART,
            "client connections open at once; one more is closed as soon as it is accepted");

    static final BoolKey TRUST_FORWARDED_HEADERS = D.bool(
            "server.trustForwardedHeaders",
            false,
            APPLIED,
            "keep incoming X-Forwarded-Proto/-Host (set by a trusted ingress) instead of overwriting them");
    static final Structure UPGRADES = D.texts(
            "server.upgrades",
            "[websocket]",
            RESTART,
            "Upgrade tokens that may become a tunnel: websocket, or [] for none (h2c is never allowed)");
    static final DurationKey TUNNEL_IDLE_TIMEOUT = D.duration(
            "server.tunnelIdleTimeout",
            Duration.ofHours(1),
            MS,
            DAY,
            RESTART,
            "a tunnel with no byte in either direction for this long is closed");

    static final Structure HTTP2 = D.section(
            "server.http2", RESTART, "HTTP/2 with prior knowledge (h2c, or h2 by ALPN with TLS) on the same port");
    static final BoolKey HTTP2_ENABLED = D.bool(
            "server.http2.enabled",
            true,
            RESTART,
            "false: the HTTP/2 preface is answered as a malformed HTTP/1.1 request");
    static final IntKey HTTP2_MAX_CONCURRENT_STREAMS = D.integer(
            "server.http2.maxConcurrentStreams",
            100,
            1,
            10_000,
            RESTART,
            "streams one connection may have open at once");
    static final IntKey HTTP2_INITIAL_WINDOW_SIZE = D.integer(
            "server.http2.initialWindowSize",
            65_536,
            1024,
            16 << 20,
            RESTART,
            "request-body bytes a client may send ahead, per stream");
    static final IntKey HTTP2_MAX_HEADER_LIST_SIZE = D.integer(
            "server.http2.maxHeaderListSize",
            "server.maxHeaderBytes",
            1024,
            1 << 20,
            RESTART,
            "largest decoded header block; the default makes both protocols refuse the same heads");
    static final IntKey HTTP2_MAX_FRAME_SIZE = D.integer(
            "server.http2.maxFrameSize", 16_384, 16_384, (1 << 24) - 1, RESTART, "largest frame payload accepted");

    static final Structure TLS =
            D.section("server.tls", RESTART, "when present, the listener speaks TLS only (docs/tls.md)");
    static final TextKey TLS_CERT_FILE = D.text(
            "server.tls.certFile",
            "file",
            null,
            RESTART,
            "PEM certificate chain (required with server.tls); re-read when it changes");
    static final TextKey TLS_KEY_FILE = D.text(
            "server.tls.keyFile",
            "file",
            null,
            RESTART,
            "PEM private key, PKCS#8 (required with server.tls); re-read when it changes");
    static final TextKey TLS_MIN_VERSION =
            D.text("server.tls.minVersion", "TLSv1.2 | TLSv1.3", "TLSv1.2", RESTART, "the oldest TLS version accepted");
    static final Structure TLS_CIPHER_SUITES = D.texts(
            "server.tls.cipherSuites",
            "TLS 1.3 suites, then ECDHE with AEAD",
            RESTART,
            "enabled suites in preference order; weak ones are refused");
    static final DurationKey TLS_HANDSHAKE_TIMEOUT = D.duration(
            "server.tls.handshakeTimeout",
            Duration.ofSeconds(10),
            Duration.ofMillis(100),
            Duration.ofMinutes(5),
            RESTART,
            "a handshake not finished by then closes the connection");
    static final TextKey TLS_CLIENT_CA_FILE = D.text(
            "server.tls.clientCaFile",
            "file",
            null,
            RESTART,
            "CA bundle that verifies client certificates (mutual TLS)");
    static final TextKey TLS_CLIENT_AUTH = D.derivedText(
            "server.tls.clientAuth",
            "none | optional | require",
            "require with clientCaFile, else none",
            RESTART,
            "whether a client certificate is asked for or required");
    /**
     * BoringSSL by default: bench/RESULTS.md measured it at about a seventh of the JDK's CPU per handshake and less
     * CPU per request than the JDK's SSLEngine.
     */
    static final TextKey TLS_PROVIDER = D.text(
            "server.tls.provider",
            "jdk | openssl",
            "openssl",
            RESTART,
            "the TLS implementation: the JDK's, or BoringSSL through netty-tcnative (checked to load at start-up)");

    private ServerKeys() {}

    static List<ConfigKey> all() {
        return D.keys();
    }
}
