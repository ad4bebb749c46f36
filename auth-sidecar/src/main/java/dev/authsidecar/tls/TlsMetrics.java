package dev.authsidecar.tls;

import dev.authsidecar.config.TlsConfig;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.function.Supplier;

/** The listener's TLS metrics; every label comes from a closed set. */
final class TlsMetrics {
    private final CounterDataPoint[] failures = new CounterDataPoint[HandshakeFailure.values().length];
    private final CounterDataPoint reloadSuccess;
    private final CounterDataPoint reloadFailure;

    TlsMetrics(PrometheusRegistry registry, Supplier<TlsMaterial> current, TlsConfig.Provider provider) {
        // The info pattern: which implementation serves the listener, checked where the metrics are scraped.
        Gauge.builder()
                .name("auth_sidecar_tls_info")
                .help("The listener's TLS implementation (server.tls.provider): always 1")
                .labelNames("provider")
                .register(registry)
                .labelValues(provider.key())
                .set(1);
        Counter handshakeFailures = Counter.builder()
                .name("auth_sidecar_tls_handshake_failures_total")
                .help("TLS handshakes on the proxy port that failed, by reason")
                .labelNames("reason")
                .register(registry);
        for (HandshakeFailure f : HandshakeFailure.values()) {
            failures[f.ordinal()] = handshakeFailures.labelValues(f.label());
        }
        Counter reloads = Counter.builder()
                .name("auth_sidecar_tls_reloads_total")
                .help("Attempts to load changed certificate files, by result (failure: the old material stays)")
                .labelNames("result")
                .register(registry);
        reloadSuccess = reloads.labelValues("success");
        reloadFailure = reloads.labelValues("failure");
        GaugeWithCallback.builder()
                .name("auth_sidecar_tls_certificate_expiry_timestamp_seconds")
                .help("When the certificate in use stops being valid, as a Unix time: the serving certificate, "
                        + "and the client CA that expires first")
                .labelNames("certificate")
                .callback(cb -> {
                    TlsMaterial m = current.get();
                    cb.call(m.servingExpiry().getEpochSecond(), "serving");
                    Instant ca = m.clientCaExpiry();
                    if (ca != null) {
                        cb.call(ca.getEpochSecond(), "client_ca");
                    }
                })
                .register(registry);
    }

    void handshakeFailed(HandshakeFailure reason) {
        failures[reason.ordinal()].inc();
    }

    void reloaded(boolean success) {
        (success ? reloadSuccess : reloadFailure).inc();
    }
}
