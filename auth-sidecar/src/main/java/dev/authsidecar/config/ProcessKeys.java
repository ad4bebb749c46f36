package dev.authsidecar.config;

import static dev.authsidecar.config.ConfigKey.Reload.RESTART;

import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.time.Duration;
import java.util.List;

/** The keys of the process around the proxy: the admin port, shutdown timing and the access log. */
final class ProcessKeys {
    private static final Declarations D = new Declarations();

    static final Structure ADMIN = D.section(
            "admin", RESTART, "the admin port: health, readiness and metrics, never proxied, never authenticated");
    static final TextKey ADMIN_LISTEN =
            D.text("admin.listen", "HOST:PORT", "0.0.0.0:9901", RESTART, "admin listen address (flag --admin-listen)");
    static final Structure SHUTDOWN = D.section("shutdown", RESTART, "what happens on SIGTERM");
    static final DurationKey SHUTDOWN_DRAIN_DELAY = D.duration(
            "shutdown.drainDelay",
            Duration.ofSeconds(5),
            Duration.ZERO,
            Duration.ofMinutes(10),
            RESTART,
            "keep serving this long after SIGTERM while readiness answers 503");
    static final DurationKey SHUTDOWN_TIMEOUT = D.duration(
            "shutdown.timeout",
            Duration.ofSeconds(25),
            Duration.ZERO,
            Duration.ofHours(1),
            RESTART,
            "then wait this long for in-flight requests to finish");
    static final Structure ACCESS_LOG = D.section("accessLog", RESTART, "one line per request on stdout");
    static final TextKey ACCESS_LOG_FORMAT = D.text(
            "accessLog.format",
            "json | text | off",
            "json",
            RESTART,
            "json for log pipelines, text for people, or off");

    private ProcessKeys() {}

    static List<ConfigKey> all() {
        return D.keys();
    }
}
