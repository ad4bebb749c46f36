package dev.authsidecar.authenticate.introspection;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** One hand-moved time for both the wall clock ({@code exp}) and the cache ticker, so expiry tests need no sleeping. */
final class FakeTime extends Clock implements Ticker {
    private final AtomicLong nanos =
            new AtomicLong(Instant.parse("2030-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L);
    private final AtomicLong wallOffset = new AtomicLong();

    long epochSecond() {
        return instant().getEpochSecond();
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** Moves only the wall clock, as an NTP step does: the ticker keeps its pace. */
    void stepWallClock(Duration d) {
        wallOffset.addAndGet(d.toNanos());
    }

    @Override
    public long read() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        long n = nanos.get() + wallOffset.get();
        return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
