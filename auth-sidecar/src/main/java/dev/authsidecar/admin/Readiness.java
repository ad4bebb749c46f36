package dev.authsidecar.admin;

import dev.authsidecar.authenticate.jwt.KeySetStatus;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What {@code /readyz} reports: listening, not draining, and the application accepting connections. Key-set
 * health is reported as detail but does not make the Pod unready: every replica shares the same identity
 * provider, so taking them all out of rotation would turn an IdP outage into a full outage, while cached keys
 * keep working.
 */
public final class Readiness {
    /**
     * How long {@code /readyz} waits for a TCP connect to the upstream before it answers 503. Deliberately below
     * the readinessProbe's timeoutSeconds in deploy/k8s (2 s), so that a slow upstream gives the kubelet a clear
     * 503 with the reason, not a probe timeout; ReadinessProbeTest fails if the manifest's timeout is not above it.
     */
    public static final Duration UPSTREAM_CHECK_TIMEOUT = Duration.ofSeconds(1);

    private final BooleanSupplier listening;
    private final Supplier<List<KeySetStatus>> keySets;
    private volatile boolean draining;

    public Readiness(BooleanSupplier listening, Supplier<List<KeySetStatus>> keySets) {
        this.listening = listening;
        this.keySets = keySets;
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

    public List<KeySetStatus> keySets() {
        return keySets.get();
    }
}
