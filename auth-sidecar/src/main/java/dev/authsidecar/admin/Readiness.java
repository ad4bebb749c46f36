package dev.authsidecar.admin;

import java.util.function.BooleanSupplier;

/** What {@code /readyz} reports: listening, not draining, and the application accepting connections. */
public final class Readiness {
    private final BooleanSupplier listening;
    private volatile boolean draining;

    public Readiness(BooleanSupplier listening) {
        this.listening = listening;
    }

    public void startDraining() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    public boolean isListening() {
        return listening.getAsBoolean();
    }
}
