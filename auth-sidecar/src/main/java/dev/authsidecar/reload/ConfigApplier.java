package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.tls.ServerTls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the files on disk in force for {@link ConfigReloader}, whose thread calls {@link #check()}: compares the
 * files' content with what it last saw, and when something changed loads and validates everything, as start-up
 * and {@code check-config} do, builds new stages and puts them in force in one atomic swap (see
 * {@link LiveStages}). An invalid change is logged with the same message check-config prints, counted, and kept
 * out: the configuration in force stays.
 *
 * <p>Only the reload thread uses it, so its state needs no locks. While the files on disk are invalid, every
 * check tries them again (quietly, unless the reason changes): a ConfigMap naming a Secret file that has not
 * arrived yet becomes valid without any event in a watched folder.
 *
 * <p>When only the listener's certificate files changed, the configuration is not reloaded: the TLS material is
 * rebuilt for new connections ({@link ServerTls#reload}), and a broken file keeps the material in force.
 */
final class ConfigApplier {
    // Logged under ConfigReloader's name, the one operators grep for (docs/kubernetes.md).
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final ConfigSource source;
    private final Path configFile;
    private final LiveStages stages;
    /** {@code null} when the listener speaks cleartext. */
    private final ServerTls tls;

    private final ReloadTiming timing;
    /** The reloader's; once counted down, a reload in progress is abandoned. */
    private final CountDownLatch stop;
    /**
     * Told the files in use after each change put in force, before the reload is logged and counted, so the
     * folders of new files are watched by then.
     */
    private final Consumer<Set<Path>> watch;

    // Owned by the reload thread (set before it starts).
    private SidecarConfig running;
    private Set<Path> files;
    private Map<Path, String> seen;
    private Map<Path, String> applied;
    /** The last configuration loaded from the files, valid: restart-only changes are reported against it once. */
    private SidecarConfig lastLoaded;

    private String failure;

    /** @param running the configuration the stages in force were built from */
    ConfigApplier(
            ConfigSource source,
            SidecarConfig running,
            LiveStages stages,
            ServerTls tls,
            ReloadTiming timing,
            CountDownLatch stop,
            Consumer<Set<Path>> watch) {
        this.source = source;
        this.tls = tls;
        this.configFile = source.file().toAbsolutePath();
        this.stages = stages;
        this.timing = timing;
        this.stop = stop;
        this.watch = watch;
        this.running = running;
        this.lastLoaded = running;
        this.files = WatchedFiles.of(configFile, running);
        this.seen = WatchedFiles.fingerprints(files);
        this.applied = seen;
    }

    /** The files the configuration in force is made of. */
    Set<Path> files() {
        return files;
    }

    /** Reloads when a file changed since the last look (or the files on disk were refused last time). */
    void check() {
        Map<Path, String> now = WatchedFiles.fingerprints(files);
        boolean changed = !now.equals(seen);
        if (!changed && failure == null) {
            return;
        }
        if (failure == null && tls != null && onlyTlsFilesChanged(now)) {
            seen = now;
            applied = now;
            tls.reload();
            return;
        }
        seen = now;
        try {
            apply(now);
        } catch (ConfigException e) {
            if (stop.getCount() == 0) {
                return;
            }
            String reason = e.getMessage();
            if (changed || !reason.equals(failure)) {
                log.warn("invalid configuration: {}; keeping the configuration in force", reason);
                stages.reloads().failed(reason);
            }
            failure = reason;
        }
    }

    private void apply(Map<Path, String> now) throws ConfigException {
        SidecarConfig loaded = source.load();
        Reloadable.Plan plan = Reloadable.plan(running, loaded);
        Set<Path> nextFiles = WatchedFiles.of(configFile, loaded);
        Map<Path, String> fingerprints = new LinkedHashMap<>();
        for (Path f : nextFiles) {
            fingerprints.put(f, now.containsKey(f) ? now.get(f) : WatchedFiles.fingerprint(f));
        }
        Stages current = stages.get();
        boolean rebuild = !loaded.auth().equals(running.auth()) || authFilesChanged(loaded, fingerprints);
        Authentication auth = rebuild
                ? ConfigCheck.authentication(loaded.auth(), source.name(), stages.executor())
                : current.authentication();
        Stages next;
        try {
            next = Stages.of(plan.effective(), auth, current.upstreams());
            if (rebuild) {
                auth.start();
                if (!warmUp(auth)) {
                    auth.close();
                    return;
                }
            }
        } catch (RuntimeException e) {
            if (rebuild) {
                auth.close();
            }
            throw e;
        }
        List<String> changedFiles = changedFiles(applied, fingerprints);
        // Reported once per change: a restart-only key that still differs from what runs was reported when it
        // first changed, and later reloads of other keys do not repeat it.
        List<String> newlyNeedRestart = plan.needRestart().stream()
                .filter(Reloadable.plan(lastLoaded, loaded).needRestart()::contains)
                .toList();
        stages.replace(next, timing.grace());
        if (tls != null && tlsFilesChanged(fingerprints)) {
            tls.reload();
        }
        running = plan.effective();
        lastLoaded = loaded;
        files = nextFiles;
        seen = fingerprints;
        applied = fingerprints;
        failure = null;
        watch.accept(files);
        log.info(
                "configuration reloaded from {} after a change to {}: {}",
                source.name(),
                changedFiles.isEmpty() ? "the environment" : String.join(", ", changedFiles),
                ConfigCheck.summary(running));
        ConfigCheck.warnings(running).forEach(w -> log.warn("{}", w));
        if (!newlyNeedRestart.isEmpty()) {
            log.warn(
                    "{} changed in {} but take{} effect only after a restart; the rest is applied",
                    String.join(", ", newlyNeedRestart),
                    source.name(),
                    newlyNeedRestart.size() == 1 ? "s" : "");
        }
        stages.reloads().succeeded();
    }

    /** The files whose content differs between two looks, or that appeared or went away, in a stable order. */
    private static List<String> changedFiles(Map<Path, String> before, Map<Path, String> after) {
        Set<Path> all = new LinkedHashSet<>(after.keySet());
        all.addAll(before.keySet());
        List<String> changed = new ArrayList<>();
        for (Path f : all) {
            if (!Objects.equals(before.get(f), after.get(f))) {
                changed.add(f.toString());
            }
        }
        return changed;
    }

    /** Whether every file that differs from the last look is one of the listener's certificate files. */
    private boolean onlyTlsFilesChanged(Map<Path, String> now) {
        Set<Path> tlsFiles = WatchedFiles.tlsFiles(running);
        for (Path f : now.keySet()) {
            if (!Objects.equals(now.get(f), seen.get(f)) && !tlsFiles.contains(f)) {
                return false;
            }
        }
        return true;
    }

    private boolean tlsFilesChanged(Map<Path, String> fingerprints) {
        for (Path f : WatchedFiles.tlsFiles(running)) {
            if (!Objects.equals(fingerprints.get(f), applied.get(f))) {
                return true;
            }
        }
        return false;
    }

    private boolean authFilesChanged(SidecarConfig loaded, Map<Path, String> fingerprints) {
        for (Path f : WatchedFiles.authFiles(loaded)) {
            if (!Objects.equals(fingerprints.get(f), applied.get(f))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Gives a new authenticate stage up to the warm-up time to load its remote key sets, so JWTs are not parked
     * (or answered 503) right after the swap. A key set that cannot be loaded is logged and does not stop the
     * reload: the same provider would be just as unreachable after a restart.
     *
     * @return false when the reloader was closed meanwhile
     */
    private boolean warmUp(Authentication auth) {
        long deadline = System.nanoTime() + timing.warmUp().toNanos();
        while (true) {
            List<KeySetStatus> sets = auth.keySets();
            boolean settled = sets.stream().allMatch(k -> k.hasKeys() || k.lastError() != null);
            if (settled || System.nanoTime() - deadline >= 0) {
                for (KeySetStatus k : sets) {
                    if (!k.hasKeys()) {
                        log.warn(
                                "JWT provider '{}' has no keys yet after the reload ({}); its tokens wait or get 503 "
                                        + "until a fetch succeeds",
                                k.provider(),
                                k.lastError() != null ? k.lastError() : "still fetching");
                    }
                }
                return true;
            }
            try {
                if (stop.await(20, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
