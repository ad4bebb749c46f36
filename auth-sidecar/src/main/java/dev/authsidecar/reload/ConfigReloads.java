package dev.authsidecar.reload;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Counts configuration reloads by result, for metrics. A success is a changed configuration that was loaded,
 * validated and applied; a failure is a changed configuration that was refused, the previous one staying in
 * force. Thread-safe.
 */
public final class ConfigReloads {
    /** How one reload ended; {@code reason} is the refusal as check-config prints it, {@code null} on success. */
    public record Result(boolean success, String reason) {}

    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final List<Consumer<Result>> listeners = new CopyOnWriteArrayList<>();
    private volatile String lastFailure;

    public void succeeded() {
        successes.incrementAndGet();
        lastFailure = null;
        notify(new Result(true, null));
    }

    public void failed(String reason) {
        failures.incrementAndGet();
        lastFailure = reason;
        notify(new Result(false, reason));
    }

    public long successes() {
        return successes.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Why the files on disk are not in force, or {@code null} when the latest change was applied. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Called after every reload, on the thread that reloaded; must not block. */
    public void addListener(Consumer<Result> listener) {
        listeners.add(listener);
    }

    private void notify(Result result) {
        for (Consumer<Result> l : listeners) {
            l.accept(result);
        }
    }
}
