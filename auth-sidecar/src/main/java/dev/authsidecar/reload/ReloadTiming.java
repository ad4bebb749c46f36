package dev.authsidecar.reload;

import java.time.Duration;

/**
 * How quickly a reload reacts, and how long a replaced authenticate stage lives on.
 *
 * @param debounce wait this long after the first file event, so an editor's several writes become one reload
 * @param poll compare the files' content this often anyway: inotify misses some folder swaps, and some file
 *     systems send no events at all
 * @param grace keep a replaced authenticate stage this long, for requests parked on it
 * @param warmUp wait up to this long for a new authenticate stage's remote key sets before putting it in force
 * @param events use the file system's change events (WatchService); off, only {@code poll} notices changes
 */
public record ReloadTiming(Duration debounce, Duration poll, Duration grace, Duration warmUp, boolean events) {
    public static final ReloadTiming DEFAULT = new ReloadTiming(
            Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), true);
}
