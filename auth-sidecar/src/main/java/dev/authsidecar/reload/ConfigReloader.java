package dev.authsidecar.reload;

import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.SidecarConfig;
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
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies configuration changes without a restart. Watches the folders of the configuration file and of the
 * files it names (see {@link WatchedFiles}), the listener's certificate files included; on any event there, after
 * a short debounce, and every poll interval regardless, it has its {@link ConfigApplier} compare the files'
 * content with what it last saw and put a valid change in force.
 *
 * <p>Kubernetes updates a mounted ConfigMap or Secret by writing a new timestamped folder and renaming a
 * {@code ..data} symlink over the old one; the files are symlinks through {@code ..data}. Their names never
 * change, so the folder is watched, not the files, and content is compared, not modification times.
 *
 * <p>One thread does all of this, so neither this class's state nor the applier's needs locks.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final ReloadTiming timing;
    private final LiveStages stages;
    private final ConfigApplier applier;
    private final WatchService watcher;
    private final Map<Path, WatchKey> folders = new HashMap<>();
    private final Set<Path> unwatchable = new HashSet<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;

    private ConfigReloader(
            ConfigSource source, SidecarConfig running, LiveStages stages, ServerTls tls, ReloadTiming timing) {
        this.timing = timing;
        this.stages = stages;
        this.applier = new ConfigApplier(source, running, stages, tls, timing, stop, this::watchFolders);
        this.watcher = timing.events() ? newWatchService(source.file().toAbsolutePath()) : null;
        watchFolders(applier.files());
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
                r.applier.files(),
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
                    applier.check();
                } catch (RuntimeException e) {
                    log.warn("configuration reload failed unexpectedly", e);
                }
            }
        }
    }

    /** Watches the folder of every file in use; stops watching folders no longer needed. */
    private void watchFolders(Set<Path> files) {
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
