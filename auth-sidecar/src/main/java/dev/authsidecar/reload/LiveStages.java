package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.proxy.Stages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The stages requests are served with. A reload replaces them whole, in one atomic write; each request reads
 * them once, when its head arrives, so a request in flight finishes on the stages it started with. A replaced
 * authenticate stage is closed only after a grace period, so requests parked on it (waiting for a key fetch or
 * an introspection answer) can still finish.
 *
 * <p>The counters the metrics read through here (credential-cache lookups, key-set fetches) are totals over every
 * authenticate stage the process has had: a reload must not look like a counter reset to Prometheus.
 */
public final class LiveStages implements Supplier<Stages>, AutoCloseable {
    private volatile Stages current;
    private final ScheduledExecutorService executor;
    private final ConfigReloads reloads;
    /** Replaced authenticate stages not closed yet. Guarded by {@code this}. */
    private final List<Authentication> retired = new ArrayList<>();
    /** What closed authenticate stages counted. Guarded by {@code this}. */
    private long closedHits;

    private long closedMisses;
    private final Map<String, long[]> closedFetches = new HashMap<>();
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
            // Past its grace period nothing reaches it any more: its counts are final.
            closedHits += old.cacheHits();
            closedMisses += old.cacheMisses();
            addFetches(closedFetches, old);
        }
        old.close();
    }

    /** Verified-credential cache hits, over every authenticate stage so far. */
    public synchronized long cacheHits() {
        long n = closedHits + current.authentication().cacheHits();
        for (Authentication a : retired) {
            n += a.cacheHits();
        }
        return n;
    }

    /** Verified-credential cache misses, over every authenticate stage so far. */
    public synchronized long cacheMisses() {
        long n = closedMisses + current.authentication().cacheMisses();
        for (Authentication a : retired) {
            n += a.cacheMisses();
        }
        return n;
    }

    /**
     * The key sets of the providers in force; each one's fetch counts include those of the same provider in the
     * stages it replaced.
     */
    public synchronized List<KeySetStatus> keySets() {
        Map<String, long[]> earlier = new HashMap<>();
        closedFetches.forEach((provider, n) -> earlier.put(provider, n.clone()));
        retired.forEach(a -> addFetches(earlier, a));
        return current.authentication().keySets().stream()
                .map(k -> {
                    long[] e = earlier.get(k.provider());
                    return e == null
                            ? k
                            : new KeySetStatus(
                                    k.provider(),
                                    k.hasKeys(),
                                    k.age(),
                                    k.lastError(),
                                    k.fetchesSucceeded() + e[0],
                                    k.fetchesFailed() + e[1],
                                    k.weakKeysSkipped());
                })
                .toList();
    }

    private static void addFetches(Map<String, long[]> into, Authentication a) {
        for (KeySetStatus k : a.keySets()) {
            long[] n = into.computeIfAbsent(k.provider(), p -> new long[2]);
            n[0] += k.fetchesSucceeded();
            n[1] += k.fetchesFailed();
        }
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
