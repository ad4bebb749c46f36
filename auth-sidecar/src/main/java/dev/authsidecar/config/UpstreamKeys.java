package dev.authsidecar.config;

import static dev.authsidecar.config.ConfigKey.Reload.APPLIED;
import static dev.authsidecar.config.ConfigKey.Reload.RESTART;

import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.time.Duration;
import java.util.List;

/** The keys of {@code upstream}: the application behind the sidecar and the connection pool towards it. */
final class UpstreamKeys {
    private static final Declarations D = new Declarations();
    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration DAY = Duration.ofDays(1);

    static final Structure UPSTREAM = D.section("upstream", RESTART, "the application behind the sidecar");
    static final TextKey URL = D.text(
            "upstream.url",
            "URL",
            "http://127.0.0.1:8080",
            RESTART,
            "the application, http://host:port only (flag --upstream)");
    static final DurationKey CONNECT_TIMEOUT = D.duration(
            "upstream.connectTimeout",
            Duration.ofSeconds(2),
            MS,
            Duration.ofMinutes(5),
            RESTART,
            "a connection not made by then is answered 502");
    static final DurationKey RESPONSE_HEAD_TIMEOUT = D.duration(
            "upstream.responseHeadTimeout",
            Duration.ofSeconds(60),
            MS,
            DAY,
            APPLIED,
            "from the end of the request to the response head; then 504");
    static final DurationKey IDLE_TIMEOUT = D.duration(
            "upstream.idleTimeout",
            Duration.ofSeconds(30),
            MS,
            DAY,
            RESTART,
            "a pooled connection unused this long is closed; keep it below the application's own");
    /**
     * High enough that a burst does not close what the next burst will open again: responses that arrive together
     * are released together, before the requests that follow are read, so a cap below the concurrency closed and
     * reopened the difference on every burst (an h2load run with 128 streams opened a new connection for one
     * request in four, a third of the sidecar's CPU). Connections a burst no longer needs close after idleTimeout.
     */
    static final IntKey MAX_IDLE_PER_THREAD = D.integer(
            "upstream.maxIdlePerThread",
            1024,
            0,
            10_000,
            RESTART,
            "pooled keep-alive connections kept per event loop; unused ones close after idleTimeout");

    static final TextKey PROTOCOL = D.text(
            "upstream.protocol",
            "http1 | h2c | h2",
            "http1",
            RESTART,
            "h2c: HTTP/2 with prior knowledge over http://, h2: HTTP/2 over https:// by ALPN (docs/http2.md)");
    static final TextKey CA_FILE = D.text(
            "upstream.caFile",
            "file",
            null,
            RESTART,
            "https:// only: PEM bundle that verifies the application's certificate, else the JDK's trust store");
    static final TextKey CERT_FILE = D.text(
            "upstream.certFile",
            "file",
            null,
            RESTART,
            "https:// only: client certificate chain for an application that asks for one (with keyFile)");
    static final TextKey KEY_FILE = D.text(
            "upstream.keyFile", "file", null, RESTART, "https:// only: the PKCS#8 PEM key of certFile (docs/tls.md)");
    static final Structure GRPC = D.section(
            "upstream.grpc",
            RESTART,
            "a second endpoint of the application for gRPC calls only (content-type application/grpc*), spoken "
                    + "to as h2c, with the same timeouts and pool limits; absent: gRPC goes to upstream.url");
    static final TextKey GRPC_URL = D.text(
            "upstream.grpc.url",
            "URL",
            null,
            RESTART,
            "required with upstream.grpc: http://host:port of the gRPC endpoint");

    private UpstreamKeys() {}

    static List<ConfigKey> all() {
        return D.keys();
    }
}
