package dev.authsidecar.net;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Why a native transport did not load, on one line. Netty's cause is a generic "failed to load" error whose cause
 * and suppressed exceptions say why (file not found, "failed to map segment" on a noexec mount, EPERM from a
 * seccomp filter...). One line with all of them, each once: the log format is one line per event.
 */
final class NativeFailure {
    private NativeFailure() {}

    static String reason(Throwable cause) {
        if (cause == null) {
            return "no reason given";
        }
        List<String> parts = new ArrayList<>();
        collect(cause, parts, Collections.newSetFromMap(new IdentityHashMap<>()));
        return String.join("; ", parts);
    }

    private static void collect(Throwable t, List<String> parts, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        String text = t.getClass().getName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage().strip());
        if (!parts.contains(text)) {
            parts.add(text);
        }
        collect(t.getCause(), parts, seen);
        for (Throwable s : t.getSuppressed()) {
            collect(s, parts, seen);
        }
    }
}
