package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.proxy.Stages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The stages requests are served with. A reload replaces them whole, in one atomic write; each request reads
 * them once, when its head arrives, so a request in flight finishes on the stages it started with. A replaced
 * authenticate stage is closed only after a grace period, so requests parked on it (waiting for a key fetch or
 * an introspection answer) can still finish.
 */
public final class LiveStages implements Supplier<Stages>, AutoCloseable {
    private volatile Stages current;
    private final ScheduledExecutorService executor;
    private final ConfigReloads reloads;
    /** Replaced authenticate stages not closed yet. Guarded by {@code this}. */
    private final List<Authentication> retired = new ArrayList<>();
    private boolean closed;

    /**
     * @param executor closes replaced authenticate stages after their grace period
     * @param reloads where the reloader counts its results (read by metrics)
     */
    public LiveStages(Stages initial, ScheduledExecutorService executor, ConfigReloads reloads) {
        this.current = initial;
        this.executor = executor;
        this.reloads = reloads;
    }

    @Override
    public Stages get() {
        return current;
    }

    public ConfigReloads reloads() {
        return reloads;
    }

    ScheduledExecutorService executor() {
        return executor;
    }

    /** Puts {@code next} in force; the authenticate stage it replaces (if another) is closed after {@code grace}. */
    synchronized void replace(Stages next, Duration grace) {
        if (closed) {
            closeIfUnused(next.authentication());
            return;
        }
        Authentication old = current.authentication();
        current = next;
        if (old != next.authentication()) {
            retired.add(old);
            try {
                executor.schedule(() -> retire(old), grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                retire(old);
            }
        }
    }

    private void retire(Authentication old) {
        synchronized (this) {
            if (!retired.remove(old)) {
                return;
            }
        }
        old.close();
    }

    private void closeIfUnused(Authentication a) {
        if (a != current.authentication()) {
            a.close();
        }
    }

    synchronized int retiredCount() {
        return retired.size();
    }

    /** Closes the authenticate stage in force and every replaced one still in its grace period. */
    @Override
    public void close() {
        List<Authentication> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(retired);
            retired.clear();
            toClose.add(current.authentication());
        }
        toClose.forEach(Authentication::close);
    }
}
