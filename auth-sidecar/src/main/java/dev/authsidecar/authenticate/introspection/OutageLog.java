package dev.authsidecar.authenticate.introspection;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Reports endpoint failures without flooding the log when every request fails: a warning when a streak of
 * failures starts, a reminder at most once a minute while it lasts, and one line when it ends.
 */
final class OutageLog {
    private static final long REMIND_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final Ticker ticker;
    private final String endpoint;
    private long failures;
    private long lastWarnNanos;

    OutageLog(Logger log, Ticker ticker, String endpoint) {
        this.log = log;
        this.ticker = ticker;
        this.endpoint = endpoint;
    }

    synchronized void failed(String reason) {
        failures++;
        long now = ticker.read();
        if (failures == 1) {
            lastWarnNanos = now;
            log.warn("Token introspection at {} failed, answering 503 until it recovers: {}", endpoint, reason);
        } else if (now - lastWarnNanos >= REMIND_NANOS) {
            lastWarnNanos = now;
            log.warn("Token introspection at {} still failing after {} calls: {}", endpoint, failures, reason);
        } else {
            log.debug("Token introspection at {} failed: {}", endpoint, reason);
        }
    }

    synchronized void succeeded() {
        if (failures > 0) {
            log.info("Token introspection at {} recovered after {} failed calls", endpoint, failures);
            failures = 0;
        }
    }
}
