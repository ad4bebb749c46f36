package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.admin.Readiness;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The readiness probes' timing in deploy/k8s, as docs/kubernetes.md ("Probe timing") explains it: no single slow
 * probe takes the Pod out of the Service, and /readyz's own upstream check gives up before the kubelet does.
 */
class ReadinessProbeTest {
    private static final Manifests MANIFESTS = Manifests.load();

    @Test
    void theSidecarsReadinessToleratesASlowProbe() {
        Probe readiness = MANIFESTS.sidecar().getReadinessProbe();

        assertThat(failureThreshold(readiness))
                .as("failureThreshold: one slow probe must not make the Pod unready")
                .isGreaterThanOrEqualTo(3);
        assertThat(successThreshold(readiness)).as("successThreshold").isEqualTo(1);
        assertThat(period(readiness)).as("periodSeconds").isBetween(2, 10);
        assertThat(Duration.ofSeconds((long) period(readiness) * failureThreshold(readiness)))
                .as("time until a broken Pod leaves the Service")
                .isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readyzGivesUpOnTheUpstreamBeforeTheProbeTimesOut() {
        Probe readiness = MANIFESTS.sidecar().getReadinessProbe();

        assertThat(timeout(readiness))
                .as("readinessProbe.timeoutSeconds vs. /readyz's upstream check (" + Readiness.UPSTREAM_CHECK_TIMEOUT
                        + "): the check must answer 503 before the kubelet gives up")
                .isGreaterThan(Readiness.UPSTREAM_CHECK_TIMEOUT);
    }

    @Test
    void startUpIsTheStartupProbesJobNotTheReadinessProbes() {
        Container sidecar = MANIFESTS.sidecar();

        assertThat(sidecar.getStartupProbe())
                .as("startupProbe: readiness and liveness wait for it")
                .isNotNull();
        assertThat(sidecar.getReadinessProbe().getInitialDelaySeconds())
                .as("no initialDelaySeconds guesswork")
                .isIn(null, 0);
    }

    @Test
    void mainServicesReadinessThroughTheSidecarToleratesASlowProbeToo() {
        Probe readiness = MANIFESTS.mainService().getReadinessProbe();

        assertThat(failureThreshold(readiness)).as("failureThreshold").isGreaterThanOrEqualTo(3);
        assertThat(successThreshold(readiness)).as("successThreshold").isEqualTo(1);
        assertThat(timeout(readiness))
                .as("timeoutSeconds: the sidecar's own check must fit inside")
                .isGreaterThan(Readiness.UPSTREAM_CHECK_TIMEOUT);
    }

    // Kubernetes' defaults where a field is left out.
    private static int failureThreshold(Probe p) {
        return p.getFailureThreshold() == null ? 3 : p.getFailureThreshold();
    }

    private static int successThreshold(Probe p) {
        return p.getSuccessThreshold() == null ? 1 : p.getSuccessThreshold();
    }

    private static int period(Probe p) {
        return p.getPeriodSeconds() == null ? 10 : p.getPeriodSeconds();
    }

    private static Duration timeout(Probe p) {
        return Duration.ofSeconds(p.getTimeoutSeconds() == null ? 1 : p.getTimeoutSeconds());
    }
}
