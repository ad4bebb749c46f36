package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.tls.ServerTls;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies configuration changes without a restart. Watches the folders of the configuration file and of the
 * files it names (see {@link WatchedFiles}); on any event there, after a short debounce, and every poll interval
 * regardless, it compares the files' content with what it last saw. When something changed it loads and
 * validates everything, as start-up and {@code check-config} do, builds new stages and puts them in force in one
 * atomic swap (see {@link LiveStages}). An invalid change is logged with the same message check-config prints,
 * counted, and kept out: the configuration in force stays.
 *
 * <p>Kubernetes updates a mounted ConfigMap or Secret by writing a new timestamped folder and renaming a
 * {@code ..data} symlink over the old one; the files are symlinks through {@code ..data}. Their names never
 * change, so the folder is watched, not the files, and content is compared, not modification times.
 *
 * <p>One thread does all of this, so its state needs no locks. While the files on disk are invalid, every poll
 * tries them again (quietly, unless the reason changes): a ConfigMap naming a Secret file that has not arrived
 * yet becomes valid without any event in a watched folder.
 *
 * <p>The listener's certificate files are watched the same way. When only they changed, the configuration is not
 * reloaded: the TLS material is rebuilt for new connections ({@link ServerTls#reload}), and a broken file keeps the
 * material in force.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final ConfigSource source;
    private final Path configFile;
    private final LiveStages stages;
    /** {@code null} when the listener speaks cleartext. */
    private final ServerTls tls;

    private final ReloadTiming timing;
    private final WatchService watcher;
    private final Map<Path, WatchKey> folders = new HashMap<>();
    private final Set<Path> unwatchable = new HashSet<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    // Owned by the reload thread (set before it starts).
    private SidecarConfig running;
    private Set<Path> files;
    private Map<Path, String> seen;
    private Map<Path, String> applied;
    /** The last configuration loaded from the files, valid: restart-only changes are reported against it once. */
    private SidecarConfig lastLoaded;

    private String failure;

    private ConfigReloader(
            ConfigSource source, SidecarConfig running, LiveStages stages, ServerTls tls, ReloadTiming timing) {
        this.source = source;
        this.tls = tls;
        this.configFile = source.file().toAbsolutePath();
        this.stages = stages;
        this.timing = timing;
        this.running = running;
        this.lastLoaded = running;
        this.files = WatchedFiles.of(configFile, running);
        this.seen = WatchedFiles.fingerprints(files);
        this.applied = seen;
        this.watcher = timing.events() ? newWatchService(configFile) : null;
        watchFolders();
        this.thread = new Thread(this::run, "config-reload");
        thread.setDaemon(true);
    }

    /**
     * Starts watching. Changes made after {@code running} was loaded and before this call are noticed only when
     * the files change again, so call it right after start-up.
     *
     * @param running the configuration the stages in force were built from
     * @param tls the listener's TLS, whose files are watched too; {@code null} for cleartext
     */
    public static ConfigReloader start(
            ConfigSource source, SidecarConfig running, LiveStages stages, ServerTls tls, ReloadTiming timing) {
        if (source.file() == null) {
            throw new IllegalArgumentException("nothing to watch: the configuration has no file");
        }
        ConfigReloader r = new ConfigReloader(source, running, stages, tls, timing);
        r.thread.start();
        log.info(
                "watching {} for configuration changes ({}every {})",
                r.files,
                r.watcher != null ? "file events and " : "",
                human(timing.poll()));
        return r;
    }

    public ConfigReloads reloads() {
        return stages.reloads();
    }

    private static WatchService newWatchService(Path file) {
        try {
            return file.getFileSystem().newWatchService();
        } catch (IOException e) {
            log.warn(
                    "cannot watch for file events ({}); configuration changes are noticed by polling only",
                    e.getMessage());
            return null;
        }
    }

    private void run() {
        long nextPoll = System.nanoTime() + timing.poll().toNanos();
        long due = 0;
        boolean dirty = false;
        while (stop.getCount() > 0) {
            long wake = dirty && due - nextPoll < 0 ? due : nextPoll;
            long waitNanos = Math.max(0, wake - System.nanoTime());
            try {
                if (watcher == null) {
                    if (stop.await(waitNanos, TimeUnit.NANOSECONDS)) {
                        return;
                    }
                } else {
                    WatchKey key = watcher.poll(waitNanos, TimeUnit.NANOSECONDS);
                    while (key != null) {
                        key.pollEvents();
                        key.reset();
                        if (!dirty) {
                            dirty = true;
                            due = System.nanoTime() + timing.debounce().toNanos();
                        }
                        key = watcher.poll();
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            long now = System.nanoTime();
            if ((dirty && now - due >= 0) || now - nextPoll >= 0) {
                dirty = false;
                nextPoll = now + timing.poll().toNanos();
                try {
                    check();
                } catch (RuntimeException e) {
                    log.warn("configuration reload failed unexpectedly", e);
                }
            }
        }
    }

    /** Reloads when a file changed since the last look (or the files on disk were refused last time). */
    private void check() {
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
        watchFolders();
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
        List<String> changed = new java.util.ArrayList<>();
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

    /** Watches the folder of every file in use; stops watching folders no longer needed. */
    private void watchFolders() {
        if (watcher == null) {
            return;
        }
        Set<Path> wanted = new LinkedHashSet<>();
        for (Path f : files) {
            if (f.getParent() != null) {
                wanted.add(f.getParent());
            }
        }
        for (Iterator<Map.Entry<Path, WatchKey>> it = folders.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Path, WatchKey> e = it.next();
            if (!wanted.contains(e.getKey()) || !e.getValue().isValid()) {
                e.getValue().cancel();
                it.remove();
            }
        }
        for (Path dir : wanted) {
            if (folders.containsKey(dir)) {
                continue;
            }
            try {
                folders.put(
                        dir,
                        dir.register(
                                watcher,
                                StandardWatchEventKinds.ENTRY_CREATE,
                                StandardWatchEventKinds.ENTRY_DELETE,
                                StandardWatchEventKinds.ENTRY_MODIFY));
                unwatchable.remove(dir);
            } catch (IOException | ClosedWatchServiceException e) {
                if (unwatchable.add(dir)) {
                    log.warn(
                            "cannot watch {} for changes ({}); they are noticed by polling every {}",
                            dir,
                            e.getMessage(),
                            human(timing.poll()));
                }
            }
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Stops watching; a reload in progress is abandoned. */
    @Override
    public void close() {
        stop.countDown();
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                log.debug("closing the watch service", e);
            }
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
