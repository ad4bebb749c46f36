package dev.authsidecar.config;

import java.time.Duration;

/**
 * One configuration key, declared once (in {@link ConfigKeys}): its path, type, default, bounds, what it does and
 * whether a reload applies it. The loader reads values through these declarations, so the defaults and bounds
 * the reference shows are the ones in force; the {@code AUTH_SIDECAR_*} variables, the "known keys here" hints,
 * {@code check-config --effective} and the README's reference are all derived from the same list.
 *
 * <p>Paths are dotted YAML paths; {@code []} marks the items of a list ({@code auth.jwt.providers[].issuer}).
 */
public sealed interface ConfigKey {

    /** Whether a configuration reload puts a new value in force, or only a restart does. */
    enum Reload {
        APPLIED,
        RESTART
    }

    String path();

    /** The type and its bounds as the reference shows them, e.g. {@code integer 0–256}. */
    String type();

    /** The default as it would be written in the file, a phrase when it depends on other keys, or empty. */
    String shownDefault();

    Reload reload();

    /** One line: what the key does. */
    String description();

    /** The last segment of the path: the name in its mapping. */
    default String name() {
        return path().substring(path().lastIndexOf('.') + 1);
    }

    /** The path of the mapping that holds the key; empty for a top-level key. */
    default String parent() {
        int dot = path().lastIndexOf('.');
        return dot < 0 ? "" : path().substring(0, dot);
    }

    /**
     * Single values outside lists have exactly one environment variable; lists, mappings and the keys of list
     * items have none (a variable cannot say which item it means).
     */
    default boolean hasVariable() {
        return !(this instanceof Structure) && !path().contains("[]");
    }

    /** A whole number within bounds. */
    record IntKey(String path, int fallback, int min, int max, String shownDefault, Reload reload, String description)
            implements ConfigKey {
        @Override
        public String type() {
            return "integer " + min + "–" + max;
        }
    }

    /** A duration ({@code 250ms}, {@code 5s}, {@code 1m}, {@code 1h}) within bounds. */
    record DurationKey(String path, Duration fallback, Duration min, Duration max, Reload reload, String description)
            implements ConfigKey {
        @Override
        public String type() {
            return "duration " + Durations.format(min) + "–" + Durations.format(max);
        }

        @Override
        public String shownDefault() {
            return Durations.format(fallback);
        }
    }

    record BoolKey(String path, boolean fallback, Reload reload, String description) implements ConfigKey {
        @Override
        public String type() {
            return "true | false";
        }

        @Override
        public String shownDefault() {
            return Boolean.toString(fallback);
        }
    }

    /**
     * A text value: an address, a URL, a file, a name or one of a few words. The reader that uses it checks its
     * form, since each form has its own message; {@code type} says which form for the reference.
     *
     * @param fallback the default, or {@code null} when the key has none (or its default depends on other keys)
     */
    record TextKey(String path, String type, String fallback, String shownDefault, Reload reload, String description)
            implements ConfigKey {}

    /** A mapping or a list: holds other keys or several values, so it has no variable. */
    record Structure(String path, String type, String shownDefault, Reload reload, String description)
            implements ConfigKey {}
}
