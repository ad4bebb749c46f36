package dev.authsidecar.net;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deadline that moves on every request without touching the scheduler. Scheduling and cancelling a task per
 * request showed up in profiles (a priority-queue insert and removal each time); instead one timer, never
 * further ahead than a tick, wakes up, compares the clock with the current deadline and re-arms itself.
 * Confined to one event loop.
 */
public final class LazyDeadline {
    private static final long NONE = Long.MAX_VALUE;

    private final EventExecutor executor;
    private final long tickNanos;
    private final Runnable onExpiry;
    private long deadlineNanos = NONE;
    private long timerAtNanos;
    private ScheduledFuture<?> timer;

    /**
     * @param tickNanos the longest a timer is scheduled ahead: it bounds how long an idle connection's timer
     *     lingers, not the precision, which is exact
     * @param onExpiry runs on the executor when the deadline passes
     */
    public LazyDeadline(EventExecutor executor, long tickNanos, Runnable onExpiry) {
        this.executor = executor;
        this.tickNanos = tickNanos;
        this.onExpiry = onExpiry;
    }

    public void set(long timeoutNanos) {
        long now = System.nanoTime();
        deadlineNanos = now + timeoutNanos;
        if (timer == null) {
            schedule(now, Math.min(timeoutNanos, tickNanos));
        } else if (timerAtNanos - deadlineNanos > 0) {
            // Only a deadline shorter than any before needs an earlier wake-up.
            timer.cancel(false);
            schedule(now, timeoutNanos);
        }
    }

    /** No deadline until the next {@link #set}; the timer, if any, lapses on its own. */
    public void clear() {
        deadlineNanos = NONE;
    }

    /** For a closed channel: nothing may fire any more. */
    public void cancel() {
        deadlineNanos = NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long now, long delayNanos) {
        timerAtNanos = now + delayNanos;
        timer = executor.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (deadlineNanos == NONE) {
            return;
        }
        long now = System.nanoTime();
        long left = deadlineNanos - now;
        if (left > 0) {
            schedule(now, Math.min(left, tickNanos));
        } else {
            deadlineNanos = NONE;
            onExpiry.run();
        }
    }
}
