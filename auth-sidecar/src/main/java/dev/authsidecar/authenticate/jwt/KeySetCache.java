package dev.authsidecar.authenticate.jwt;

import dev.authsidecar.config.BoundedFiles;
import dev.authsidecar.config.JwtProviderConfig;
import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider's current key set and when to replace it. Fetched keys are refreshed in the background at 80% of
 * their TTL; while the issuer cannot be reached the last good set stays in use until {@code keysTtl +
 * keysMaxStale} after it was loaded. A token naming an unknown key may ask for one early refetch, at most one
 * per {@code unknownKidInterval}, so a stream of invented {@code kid}s cannot make us hammer the issuer. At most
 * one fetch runs at a time; everyone who needs keys meanwhile waits for that one.
 *
 * <p>Readers only touch the volatile {@link #current}; the lock guards fetch bookkeeping, which changes a few
 * times a minute at most.
 */
final class KeySetCache {
    private static final Logger log = LoggerFactory.getLogger(KeySetCache.class);
    private static final long MIN_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String provider;
    private final KeySetFetcher fetcher;
    private final ScheduledExecutorService executor;
    private final long refreshNanos;
    private final long usableNanos;
    private final long unknownKidNanos;

    private volatile KeySet current;
    private CompletableFuture<KeySet> inFlight;
    private long lastDemandFetch;
    private boolean demandFetched;
    private int failures;
    private volatile String lastError;
    private final java.util.concurrent.atomic.AtomicLong fetchesSucceeded =
            new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong fetchesFailed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<String> warnedWeak = new java.util.HashSet<>();
    private ScheduledFuture<?> scheduled;
    private boolean closed;

    private KeySetCache(JwtProviderConfig c, KeySetFetcher fetcher, KeySet loaded, ScheduledExecutorService executor) {
        this.provider = c.name();
        this.fetcher = fetcher;
        this.executor = executor;
        this.current = loaded;
        long ttl = c.keysTtl().toNanos();
        this.refreshNanos = Math.max(1, ttl / 5 * 4);
        this.usableNanos = saturatedAdd(ttl, c.keysMaxStale().toNanos());
        this.unknownKidNanos = c.unknownKidInterval().toNanos();
    }

    /** Keys fetched over HTTP, none yet: {@link #start} begins the first fetch. */
    static KeySetCache remote(JwtProviderConfig c, ScheduledExecutorService executor) {
        return new KeySetCache(c, new KeySetFetcher(c, executor), null, executor);
    }

    /** Keys from a local file, read now and kept for the life of the process. */
    static KeySetCache file(JwtProviderConfig c) {
        try {
            String json = BoundedFiles.readString(c.jwksFile());
            KeySetCache cache =
                    new KeySetCache(c, null, KeySet.parse(json, c.name(), KeySet.Source.FILE, System.nanoTime()), null);
            // A key set read from a file counts as a successful fetch, so the metric agrees with readiness.
            cache.fetchesSucceeded.incrementAndGet();
            return cache;
        } catch (IOException | ParseException e) {
            throw new UnusableProvider(c.name(), "cannot use jwksFile " + c.jwksFile() + ": " + e.getMessage(), e);
        }
    }

    void start() {
        synchronized (this) {
            if (fetcher != null && inFlight == null && !closed) {
                fetch();
            }
        }
    }

    /** The latest key set, usable or not; {@code null} before the first one arrives. */
    KeySet current() {
        return current;
    }

    boolean usable(KeySet keys, long nowNanos) {
        return keys != null && (fetcher == null || nowNanos - keys.loadedAtNanos <= usableNanos);
    }

    /**
     * Asks for keys newer than {@code seen}, because a token names a key it lacks or it is not usable.
     *
     * @return completes (never exceptionally) with the key set current once the fetch ended, which may be the
     *     old one or none; or {@code null} when no fetch may start now
     */
    CompletableFuture<KeySet> refetch(KeySet seen) {
        synchronized (this) {
            if (fetcher == null || closed) {
                return null;
            }
            if (inFlight != null) {
                return inFlight;
            }
            if (current != seen) {
                return CompletableFuture.completedFuture(current);
            }
            long now = System.nanoTime();
            if (demandFetched && now - lastDemandFetch < unknownKidNanos) {
                return null;
            }
            demandFetched = true;
            lastDemandFetch = now;
            return fetch();
        }
    }

    /** Called holding the lock. */
    private CompletableFuture<KeySet> fetch() {
        CompletableFuture<KeySet> done = new CompletableFuture<>();
        inFlight = done;
        cancelScheduled();
        try {
            fetcher.fetch().whenCompleteAsync((keys, error) -> finish(done, keys, error), executor);
        } catch (RejectedExecutionException e) {
            inFlight = null;
            done.complete(current);
        }
        return done;
    }

    private void finish(CompletableFuture<KeySet> done, KeySet loaded, Throwable error) {
        KeySet now;
        synchronized (this) {
            inFlight = null;
            if (closed) {
                // Abandoned by close(), which already answered the waiters: neither a success nor a failure.
                log.debug("JWT provider '{}': fetch ended after close", provider);
            } else if (loaded != null) {
                fetchesSucceeded.incrementAndGet();
                current = loaded;
                if (failures > 0) {
                    log.info(
                            "JWT provider '{}': keys fetched from {} again after {} failed attempts",
                            provider,
                            fetcher.source(),
                            failures);
                }
                log.debug(
                        "JWT provider '{}': loaded {} signing keys from {}", provider, loaded.size(), fetcher.source());
                warnWeak(loaded);
                failures = 0;
                lastError = null;
                schedule(refreshNanos);
            } else {
                fetchesFailed.incrementAndGet();
                failures++;
                lastError = fetcher.describe(error);
                if (failures == 1) {
                    warn(lastError);
                }
                long backoff = MIN_RETRY_NANOS << Math.min(failures - 1, 10);
                schedule(Math.min(backoff, Math.max(MIN_RETRY_NANOS, Math.min(refreshNanos, MAX_RETRY_NANOS))));
            }
            now = current;
        }
        // Outside the lock: waiters continue verifying their tokens on this thread.
        done.complete(now);
    }

    /**
     * A weak key is logged once per kid for the life of this cache, not on every refresh: it stays in the
     * provider's set until its operator removes it, and the count in {@link #status} keeps it visible.
     * Called holding the lock.
     */
    private void warnWeak(KeySet loaded) {
        for (String weak : loaded.weakKeys) {
            if (warnedWeak.add(weak)) {
                log.warn(
                        "JWT provider '{}': skipping {} from {}: RSA keys under 2048 bits are refused; tokens "
                                + "signed with it get 401",
                        provider,
                        weak,
                        fetcher.source());
            }
        }
    }

    private void warn(String reason) {
        KeySet keys = current;
        if (keys == null) {
            log.warn(
                    "JWT provider '{}': cannot fetch signing keys: {}; no keys yet, its tokens are refused with "
                            + "503 until a fetch succeeds",
                    provider,
                    reason);
        } else {
            log.warn(
                    "JWT provider '{}': cannot fetch signing keys: {}; keeping the {} keys loaded {} s ago",
                    provider,
                    reason,
                    keys.size(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - keys.loadedAtNanos));
        }
    }

    /** Called holding the lock. */
    private void schedule(long delayNanos) {
        cancelScheduled();
        if (closed) {
            return;
        }
        try {
            scheduled = executor.schedule(this::backgroundFetch, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The owner is shutting the executor down; there is nothing left to refresh for.
        }
    }

    private void backgroundFetch() {
        synchronized (this) {
            if (!closed && inFlight == null) {
                fetch();
            }
        }
    }

    private void cancelScheduled() {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
    }

    KeySetStatus status() {
        long now = System.nanoTime();
        KeySet keys = current;
        Duration age = keys == null ? null : Duration.ofNanos(now - keys.loadedAtNanos);
        return new KeySetStatus(
                provider,
                usable(keys, now),
                age,
                lastError,
                fetchesSucceeded.get(),
                fetchesFailed.get(),
                keys == null ? 0 : keys.weakKeys.size());
    }

    /** Stops refreshing, answers whoever waits for a fetch with the keys at hand, and closes the HTTP client. */
    void close() {
        CompletableFuture<KeySet> waiting;
        synchronized (this) {
            closed = true;
            cancelScheduled();
            waiting = inFlight;
            inFlight = null;
        }
        if (waiting != null) {
            waiting.complete(current);
        }
        if (fetcher != null) {
            fetcher.close();
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
