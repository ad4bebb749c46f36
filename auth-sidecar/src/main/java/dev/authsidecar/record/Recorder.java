package dev.authsidecar.record;

/** The record stage: the metrics and the access-log line for each answered request. Thread-safe. */
public final class Recorder implements AutoCloseable {
    private final Metrics metrics;
    private final AccessLog accessLog;

    public Recorder(Metrics metrics, AccessLog accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    /** Records the request once; later calls for the same request are ignored. */
    public void complete(RequestRecord r) {
        if (!r.active) {
            return;
        }
        r.active = false;
        long nanos = System.nanoTime() - r.startNanos;
        metrics.request(r, nanos);
        accessLog.write(r, nanos);
    }

    public Metrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        accessLog.close();
    }
}
