package dev.authsidecar.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT start an orderly shutdown. A JVM shutdown hook would also run it, but the process would
 * then exit with 143; Kubernetes and operators read a clean drain as exit code 0.
 */
final class ShutdownSignals {
    private ShutdownSignals() {}

    /**
     * @param onSignal runs on the JVM's signal thread for every SIGTERM or SIGINT: keep it short
     * @return puts back the handlers there were before, for a start that failed and returns instead of serving
     */
    static Runnable onTermination(Runnable onSignal) {
        Signal term = new Signal("TERM");
        Signal interrupt = new Signal("INT");
        SignalHandler previousTerm = Signal.handle(term, sig -> onSignal.run());
        SignalHandler previousInterrupt = Signal.handle(interrupt, sig -> onSignal.run());
        return () -> {
            Signal.handle(term, previousTerm);
            Signal.handle(interrupt, previousInterrupt);
        };
    }
}
