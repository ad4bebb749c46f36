package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.TestUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests run without pause while the mounted ConfigMap and Secret change under the sidecar, the way the
 * kubelet changes them. Every answer must be the right one for the configuration in force when the request
 * arrived: none fails, a key that stays valid is always let in, and each change shows within seconds.
 */
@Timeout(60)
final class ReloadUnderLoadTest {
    private static final String STAYS = "sk_stays_0123456789abcdef";
    private static final String ADDED = "sk_added_0123456789abcdef";
    private static final String REMOVED = "sk_removed_0123456789abcd";

    /** What a request carried, and what it should get before and after the change that concerns it. */
    private enum Kind {
        STAYS("/echo", ReloadUnderLoadTest.STAYS, 200, 200),
        ADDED("/echo", ReloadUnderLoadTest.ADDED, 401, 200),
        REMOVED("/echo", ReloadUnderLoadTest.REMOVED, 200, 401),
        ANONYMOUS_PUBLIC("/public/page", null, 401, 200);

        final String path;
        final String key;
        final int before;
        final int after;

        Kind(String path, String key, int before, int after) {
            this.path = path;
            this.key = key;
            this.before = before;
            this.after = after;
        }
    }

    private record Sample(Kind kind, long startNanos, long endNanos, int status, String error) {}

    @TempDir
    Path dir;

    @Test
    void noRequestFailsWhileKeysAndRulesChange() throws Exception {
        KubernetesVolume config = new KubernetesVolume(dir.resolve("config"));
        KubernetesVolume secret = new KubernetesVolume(dir.resolve("keys"));
        try (TestUpstream app = new TestUpstream()) {
            secret.write(Map.of("keys.yaml", ReloadingSidecar.keys("stays", STAYS, "removed", REMOVED)));
            config.write(Map.of("sidecar.yaml", sidecarYaml(app.url(), "")));
            try (ReloadingSidecar sidecar =
                    ReloadingSidecar.start(config.file("sidecar.yaml"), ReloadingSidecar.FAST)) {
                ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService load = Executors.newFixedThreadPool(4);
                List<Future<?>> clients = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    clients.add(load.submit(() -> send(sidecar, first, running, samples)));
                }
                Thread.sleep(300);

                // The Secret changes: one key added, one removed.
                long keysChanged = System.nanoTime();
                secret.write(Map.of("keys.yaml", ReloadingSidecar.keys("stays", STAYS, "added", ADDED)));
                Duration keysTook = sidecar.awaitStatus("/echo", ADDED, 200, Duration.ofSeconds(5));
                Thread.sleep(300);

                // The ConfigMap changes: a public prefix is added.
                long rulesChanged = System.nanoTime();
                config.write(Map.of("sidecar.yaml", sidecarYaml(app.url(), "  publicPaths: [/public/**]\n")));
                Duration rulesTook = sidecar.awaitStatus("/public/page", null, 200, Duration.ofSeconds(5));
                Thread.sleep(300);

                // An invalid ConfigMap is refused, counted once, and changes nothing.
                config.write(Map.of("sidecar.yaml", sidecarYaml(app.url(), "  publicPath: [/public/**]\n")));
                sidecar.await(
                        "the failure counted",
                        Duration.ofSeconds(5),
                        () -> sidecar.reloads().failures() == 1);
                Thread.sleep(600);

                // Fixed again.
                config.write(Map.of(
                        "sidecar.yaml",
                        sidecarYaml(app.url(), "  publicPaths: [/public/**]\n" + "  forwardCredential: false\n")));
                sidecar.await(
                        "the fix applied",
                        Duration.ofSeconds(5),
                        () -> sidecar.reloads().successes() == 3);
                Thread.sleep(300);

                running.set(false);
                for (Future<?> c : clients) {
                    c.get(20, TimeUnit.SECONDS);
                }
                load.shutdown();

                assertThat(keysTook).isLessThan(Duration.ofSeconds(3));
                assertThat(rulesTook).isLessThan(Duration.ofSeconds(3));
                assertThat(sidecar.reloads().successes()).isEqualTo(3);
                assertThat(sidecar.reloads().failures()).isEqualTo(1);
                assertThat(sidecar.reloads().lastFailure()).isNull();
                assertThat(sidecar.logged())
                        .anySatisfy(line -> assertThat(line)
                                .startsWith("WARN invalid " + "configuration: " + config.file("sidecar.yaml")
                                        + ": auth.publicPath: unknown key"));

                List<Sample> all = new ArrayList<>(samples);
                assertThat(all).hasSizeGreaterThan(200);
                assertThat(all).filteredOn(s -> s.error() != null).isEmpty();
                checkOneChange(all, Kind.STAYS, keysChanged);
                checkOneChange(all, Kind.ADDED, keysChanged);
                checkOneChange(all, Kind.REMOVED, keysChanged);
                checkOneChange(all, Kind.ANONYMOUS_PUBLIC, rulesChanged);
            }
        }
    }

    /**
     * Before {@code changedAt} every answer is the old one; once one new answer came back, every request sent
     * after it gets the new one (the swap is atomic and never undone); in between, either.
     */
    private static void checkOneChange(List<Sample> all, Kind kind, long changedAt) {
        List<Sample> mine = all.stream().filter(s -> s.kind() == kind).toList();
        assertThat(mine).as(kind + " samples").hasSizeGreaterThan(20);
        long firstNew = mine.stream()
                .filter(s -> s.status() == kind.after && s.status() != kind.before)
                .mapToLong(Sample::endNanos)
                .min()
                .orElse(Long.MAX_VALUE);
        for (Sample s : mine) {
            assertThat(s.status()).as(kind + " answer").isIn(kind.before, kind.after);
            if (s.endNanos() < changedAt) {
                assertThat(s.status()).as(kind + " before the change").isEqualTo(kind.before);
            }
            if (s.startNanos() > firstNew) {
                assertThat(s.status()).as(kind + " after the change showed").isEqualTo(kind.after);
            }
        }
        if (kind.before != kind.after) {
            assertThat(firstNew).as(kind + " changed").isLessThan(Long.MAX_VALUE);
        }
    }

    private static void send(
            ReloadingSidecar sidecar, int first, AtomicBoolean running, ConcurrentLinkedQueue<Sample> samples) {
        Kind[] kinds = Kind.values();
        for (int i = first; running.get(); i++) {
            Kind k = kinds[i % kinds.length];
            long start = System.nanoTime();
            try {
                int status = sidecar.status(k.path, k.key);
                samples.add(new Sample(k, start, System.nanoTime(), status, null));
            } catch (Exception e) {
                samples.add(new Sample(k, start, System.nanoTime(), -1, e.toString()));
            }
        }
    }

    private static String sidecarYaml(String upstream, String authExtra) {
        return "server:\n  listen: 127.0.0.1:0\n"
                + "admin:\n  listen: 127.0.0.1:0\n"
                + "upstream:\n  url: " + upstream + "\n"
                + "auth:\n  apiKeysFile: ../keys/keys.yaml\n" + authExtra
                + "shutdown:\n  drainDelay: 0s\n  timeout: 2s\n";
    }
}
