package dev.authsidecar.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start an orderly shutdown. A JVM shutdown hook would also run it, but the process would
 * then exit with 143; Kubernetes and operators read a clean drain as exit code 0.
 */
final class ShutdownSignals {
    private ShutdownSignals() {
    }

    static void onTermination(Runnable shutdown) {
        Runnable once = new Runnable() {
            private boolean started;

            @Override
            public synchronized void run() {
                if (!started) {
                    started = true;
                    Thread t = new Thread(shutdown, "shutdown");
                    t.start();
                }
            }
        };
        Signal.handle(new Signal("TERM"), sig -> once.run());
        Signal.handle(new Signal("INT"), sig -> once.run());
    }
}
