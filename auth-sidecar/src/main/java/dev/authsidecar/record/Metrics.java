package dev.authsidecar.record;

import dev.authsidecar.authenticate.idp.IdpClient;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.respond.Failure;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The sidecar's Prometheus metrics, prefixed {@code auth_sidecar_}. Label values come from small closed sets
 * (status class, a fixed list of methods, auth results, failure kinds, configured provider names): no path,
 * subject, token or query ever becomes a label. Data points are resolved once and kept, so recording a request
 * does not allocate.
 */
public final class Metrics {
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    /**
     * OTHER: any other method; INVALID: no method is known (the request line could not be parsed, or the head never
     * arrived in full before its deadline).
     */
    static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "INVALID", "OTHER"};

    private static final RequestRecord.AuthResult[] RESULTS = RequestRecord.AuthResult.values();
    static final String[] AUTH_METHODS = {"api-key", "jwt", "introspection", "mtls", "none"};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Histogram duration;
    private final Counter upstreamErrors;
    private final Counter authDecisions;
    private final Gauge tunnelsActive;
    private final Counter tunnels;
    private final CounterDataPoint tunnelBytesIn;
    private final CounterDataPoint tunnelBytesOut;
    private final CounterDataPoint[] requestPoints =
            new CounterDataPoint[RequestRecord.PROTOCOLS.length * 5 * METHODS.length * RESULTS.length];
    private final DistributionDataPoint[] durationPoints = new DistributionDataPoint[5];
    private final CounterDataPoint[] decisionPoints = new CounterDataPoint[AUTH_METHODS.length * RESULTS.length];

    public Metrics() {
        requests = Counter.builder()
                .name("auth_sidecar_requests_total")
                .help("Requests answered, by status class, method, authentication result and client protocol")
                .labelNames("status_class", "method", "auth_result", "protocol")
                .register(registry);
        duration = Histogram.builder()
                .name("auth_sidecar_request_duration_seconds")
                .unit(Unit.SECONDS)
                .help("Time from the request head to the end of the response, by status class")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .classicOnly()
                .labelNames("status_class")
                .register(registry);
        upstreamErrors = Counter.builder()
                .name("auth_sidecar_upstream_errors_total")
                .help("Failures talking to the application, by kind")
                .labelNames("kind")
                .register(registry);
        authDecisions = Counter.builder()
                .name("auth_sidecar_auth_decisions_total")
                .help("Authentication and authorization decisions, by credential method and result")
                .labelNames("method", "result")
                .register(registry);
        tunnelsActive = Gauge.builder()
                .name("auth_sidecar_tunnels_active")
                .help("WebSocket tunnels currently open")
                .register(registry);
        tunnels = Counter.builder()
                .name("auth_sidecar_tunnels_total")
                .help("WebSocket tunnels ended, by how they ended")
                .labelNames("result")
                .register(registry);
        Counter tunnelBytes = Counter.builder()
                .name("auth_sidecar_tunnel_bytes")
                .unit(Unit.BYTES)
                .help("Bytes relayed through WebSocket tunnels: in = client to application, out = application to "
                        + "client")
                .labelNames("direction")
                .register(registry);
        tunnelBytesIn = tunnelBytes.labelValues("in");
        tunnelBytesOut = tunnelBytes.labelValues("out");
        registerIdpClients(registry);
        registerJvmMetrics(registry);
    }

    public void tunnelOpened() {
        tunnelsActive.inc();
    }

    /** @param result a {@code Tunnel.Result} label, from a closed set */
    public void tunnelClosed(String result) {
        tunnelsActive.dec();
        tunnels.labelValues(result).inc();
    }

    public void tunnelBytes(boolean in, long n) {
        (in ? tunnelBytesIn : tunnelBytesOut).inc(n);
    }

    /**
     * Each authenticate stage opens one client per remote JWT provider and one for introspection, and closes them
     * when a reload retires it: opened minus closed staying above that for longer than the reload grace period is a
     * leak.
     */
    private static void registerIdpClients(PrometheusRegistry registry) {
        CounterWithCallback.builder()
                .name("auth_sidecar_idp_clients_opened_total")
                .help("HTTP clients to identity providers (key sets, discovery, introspection) opened")
                .callback(cb -> cb.call(IdpClient.opened()))
                .register(registry);
        CounterWithCallback.builder()
                .name("auth_sidecar_idp_clients_closed_total")
                .help("HTTP clients to identity providers closed, with the authenticate stage that owned them")
                .callback(cb -> cb.call(IdpClient.closed()))
                .register(registry);
    }

    /**
     * Everything {@code JvmMetrics.builder().register()} registers except the native-memory metrics. Those only
     * report when the JVM runs with -XX:NativeMemoryTracking (an overhead the sidecar does not run with), and
     * finding that out starts the platform MBean server, whose diagnostic-command MBean then reads the JFR
     * configuration files: about 400 classes and an XML parser, 2 to 3 MiB of resident memory for nothing.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** Gauges and counters whose values live elsewhere, read at scrape time. */
    public void bind(
            IntSupplier openConnections,
            Supplier<List<KeySetStatus>> keySets,
            LongSupplier cacheHits,
            LongSupplier cacheMisses,
            LongSupplier reloadSuccesses,
            LongSupplier reloadFailures) {
        GaugeWithCallback.builder()
                .name("auth_sidecar_open_connections")
                .help("Client connections currently open")
                .callback(cb -> cb.call(openConnections.getAsInt()))
                .register(registry);
        CounterWithCallback.builder()
                .name("auth_sidecar_keyset_fetches_total")
                .help("Key-set fetches of each JWT provider, by result")
                .labelNames("provider", "result")
                .callback(cb -> keySets.get().forEach(k -> {
                    cb.call(k.fetchesSucceeded(), k.provider(), "success");
                    cb.call(k.fetchesFailed(), k.provider(), "failure");
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("auth_sidecar_keyset_age_seconds")
                .help("Age of the key set each JWT provider uses (absent until one is loaded)")
                .labelNames("provider")
                .callback(cb -> keySets.get().forEach(k -> {
                    if (k.age() != null) {
                        cb.call(k.age().toMillis() / 1000.0, k.provider());
                    }
                }))
                .register(registry);
        CounterWithCallback.builder()
                .name("auth_sidecar_credential_cache_requests_total")
                .help("Lookups in the verified-credential cache, by result")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(cacheHits.getAsLong(), "hit");
                    cb.call(cacheMisses.getAsLong(), "miss");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("auth_sidecar_config_reloads_total")
                .help("Configuration reloads, by result")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(reloadSuccesses.getAsLong(), "success");
                    cb.call(reloadFailures.getAsLong(), "failure");
                })
                .register(registry);
    }

    void request(RequestRecord r, long nanos) {
        int statusClass = Math.max(1, Math.min(5, r.status / 100)) - 1;
        int method = methodIndex(r.method);
        int index =
                ((r.protocol * 5 + statusClass) * METHODS.length + method) * RESULTS.length + r.authResult.ordinal();
        CounterDataPoint point = requestPoints[index];
        if (point == null) {
            // Benign race: every loop that resolves it gets the same data point from the registry.
            point = requests.labelValues(
                    STATUS_CLASSES[statusClass],
                    METHODS[method],
                    r.authResult.label(),
                    RequestRecord.PROTOCOLS[r.protocol]);
            requestPoints[index] = point;
        }
        point.inc();
        // A tunnel's lifetime is not a request's latency: it would swamp the histogram's buckets.
        if (r.tunnelEnd == null) {
            DistributionDataPoint d = durationPoints[statusClass];
            if (d == null) {
                d = duration.labelValues(STATUS_CLASSES[statusClass]);
                durationPoints[statusClass] = d;
            }
            d.observe(nanos / 1e9);
        }
        if (r.authResult != RequestRecord.AuthResult.SKIPPED) {
            int m = authMethodIndex(r.authMethod);
            int i = m * RESULTS.length + r.authResult.ordinal();
            CounterDataPoint decision = decisionPoints[i];
            if (decision == null) {
                decision = authDecisions.labelValues(AUTH_METHODS[m], r.authResult.label());
                decisionPoints[i] = decision;
            }
            decision.inc();
        }
    }

    /** Called once per upstream failure, with the closed set of kinds. */
    public void upstreamError(Failure failure) {
        upstreamErrors
                .labelValues(failure.name().toLowerCase(java.util.Locale.ROOT))
                .inc();
    }

    /** For metrics kept beside the part they measure (the listener's TLS). */
    public PrometheusRegistry registry() {
        return registry;
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    private static int authMethodIndex(String method) {
        for (int i = 0; i < AUTH_METHODS.length - 1; i++) {
            if (AUTH_METHODS[i].equals(method)) {
                return i;
            }
        }
        return AUTH_METHODS.length - 1;
    }

    private static int methodIndex(String method) {
        if (method == null) {
            return METHODS.length - 2;
        }
        for (int i = 0; i < METHODS.length - 1; i++) {
            if (METHODS[i].equals(method)) {
                return i;
            }
        }
        return METHODS.length - 1;
    }
}
