package dev.authsidecar.mainservice;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;

/**
 * Counts exchanges being handled so a stop can wait only as long as needed. On JDK 17
 * {@code HttpServer.stop(n)} sleeps the full n seconds even when idle (JDK-8304065, fixed in 25
 * and backported to 21), which would delay every shutdown by the whole grace period.
 */
final class InFlight extends Filter {

    private int active; // guarded by this

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        synchronized (this) {
            active++;
        }
        try {
            chain.doFilter(exchange);
        } finally {
            synchronized (this) {
                active--;
                notifyAll();
            }
        }
    }

    @Override
    public String description() {
        return "in-flight exchange counter";
    }

    /** @return true if no exchange is in flight, false if the timeout elapsed first */
    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active > 0) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                return false;
            }
            wait(remainingMillis);
        }
        return true;
    }
}
