package dev.authsidecar.reload;

import dev.authsidecar.config.SidecarConfig;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which parts of the configuration a reload applies. Everything the per-request stages are built from can
 * change: {@code auth} (keys, JWT providers, introspection, identity headers), the rules, whether forwarded
 * headers are trusted, and the upstream response timeout. Everything bound when the process started cannot:
 * listen addresses, event loops, request limits and timeouts of the listener, the upstream address and its
 * connection pool, the admin port, shutdown timing and the access log. A change to those is reported and waits
 * for a restart.
 *
 * <p>The sections are walked as records, so a section added later is restart-only until it is listed here.
 */
final class Reloadable {
    /** Top-level sections, or {@code section.key}, that a reload applies. Names as in the records (and YAML). */
    static final Set<String> APPLIED =
            Set.of("auth", "authorization", "server.trustForwardedHeaders", "upstream.responseHeadTimeout");

    /** What to run with: {@code loaded}, except the values only a restart can change, kept from {@code running}. */
    record Plan(SidecarConfig effective, List<String> needRestart) {}

    private Reloadable() {}

    static Plan plan(SidecarConfig running, SidecarConfig loaded) {
        List<String> needRestart = new ArrayList<>();
        Object effective = merge("", running, loaded, needRestart);
        return new Plan((SidecarConfig) effective, List.copyOf(needRestart));
    }

    private static Object merge(String path, Object running, Object loaded, List<String> needRestart) {
        RecordComponent[] components = running.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String name = path.isEmpty() ? c.getName() : path + "." + c.getName();
            Object r = read(c, running);
            Object l = read(c, loaded);
            if (APPLIED.contains(name)) {
                values[i] = l;
            } else if (path.isEmpty() && r != null && l != null && r.getClass().isRecord()) {
                values[i] = merge(name, r, l, needRestart);
            } else {
                values[i] = r;
                if (!Objects.equals(r, l)) {
                    needRestart.add(name);
                }
            }
        }
        return construct(running.getClass(), components, values);
    }

    private static Object read(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c, e);
        }
    }

    private static Object construct(Class<?> type, RecordComponent[] components, Object[] values) {
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }
}
