package dev.authsidecar.reload;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.authsidecar.Sidecar;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.it.RunningSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/** The sidecar started in-process from a file, with reload on, and what the reload tests look at. */
final class ReloadingSidecar implements AutoCloseable {
    /** Reacts within a few hundred milliseconds, so the tests stay short. */
    static final ReloadTiming FAST = new ReloadTiming(
            Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(2), true);

    private final Sidecar sidecar;
    private final ConfigReloads reloads;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ReloadingSidecar(Path config, ReloadTiming timing) throws Exception {
        log.start();
        ((Logger) LoggerFactory.getLogger(ConfigReloader.class)).addAppender(log);
        ConfigSource source = new ConfigSource(config, List.of());
        // As the command does: the authenticate stage is built once, by Sidecar.start.
        sidecar = Sidecar.start(ConfigCheck.load(source), source.name());
        reloads = sidecar.watchConfig(source, timing);
    }

    static ReloadingSidecar start(Path config, ReloadTiming timing) throws Exception {
        return new ReloadingSidecar(config, timing);
    }

    Sidecar sidecar() {
        return sidecar;
    }

    ConfigReloads reloads() {
        return reloads;
    }

    /** What the reloader logged: "LEVEL message". */
    List<String> logged() {
        return log.list.stream()
                .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .toList();
    }

    /** The status of {@code GET path}, with {@code key} as bearer token unless null. */
    int status(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecar.proxyAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The body of {@code GET path}, with {@code key} as bearer token unless null. */
    String body(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sidecar.proxyAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one sample on the admin port's /metrics, e.g. {@code name{label="v"}}; 0 when absent. */
    double metric(String sample) throws Exception {
        String body = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + sidecar.adminAddress().getPort() + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(l -> l.startsWith(sample + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(sample.length() + 1).strip()))
                .findFirst()
                .orElse(0);
    }

    /** @return how long it took until {@code GET path} with {@code key} was answered {@code expected} */
    Duration awaitStatus(String path, String key, int expected, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int last;
        do {
            last = status(path, key);
            if (last == expected) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("GET " + path + " still answers " + last + " after " + timeout + "; log: " + logged());
    }

    void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "; log: " + logged());
            }
            Thread.sleep(10);
        }
    }

    /** An {@code auth.apiKeysFile} with the given name, key pairs. */
    static String keys(String... nameThenKey) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nameThenKey.length; i += 2) {
            sb.append("- name: ")
                    .append(nameThenKey[i])
                    .append("\n  sha256: ")
                    .append(RunningSidecar.sha256(nameThenKey[i + 1]))
                    .append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        ((Logger) LoggerFactory.getLogger(ConfigReloader.class)).detachAppender(log);
        sidecar.close();
    }
}
