package dev.authsidecar.reload;

import java.util.concurrent.atomic.AtomicLong;

/** Counts configuration reloads by result, for metrics. Thread-safe. */
public final class ConfigReloads {
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public void succeeded() {
        successes.incrementAndGet();
    }

    public void failed() {
        failures.incrementAndGet();
    }

    public long successes() {
        return successes.get();
    }

    public long failures() {
        return failures.get();
    }
}
