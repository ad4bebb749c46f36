package dev.authsidecar.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start an orderly shutdown. A JVM shutdown hook would also run it, but the process would
 * then exit with 143; Kubernetes and operators read a clean drain as exit code 0.
 */
final class ShutdownSignals {
    private ShutdownSignals() {
    }

    /** @param onSignal runs on the JVM's signal thread for every SIGTERM or SIGINT: keep it short */
    static void onTermination(Runnable onSignal) {
        Signal.handle(new Signal("TERM"), sig -> onSignal.run());
        Signal.handle(new Signal("INT"), sig -> onSignal.run());
    }
}
