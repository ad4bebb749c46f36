package dev.authsidecar.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every configuration key, in reference order. The single list the loader's unknown-key check, the
 * {@code AUTH_SIDECAR_*} variables, {@code check-config --effective} and the README's reference are made from;
 * the keys themselves are declared, grouped by section, in {@link ServerKeys}, {@link UpstreamKeys},
 * {@link AuthKeys}, {@link RuleKeys} and {@link ProcessKeys}.
 */
public final class ConfigKeys {
    private static final List<ConfigKey> ALL = collect();

    private ConfigKeys() {}

    public static List<ConfigKey> all() {
        return ALL;
    }

    /** The names declared directly under {@code parent} (a path with {@code []} for list items; "" for the top). */
    static Set<String> namesUnder(String parent) {
        Set<String> out = new LinkedHashSet<>();
        for (ConfigKey k : ALL) {
            if (k.parent().equals(parent)) {
                out.add(k.name());
            }
        }
        return out;
    }

    /** The keys an {@code AUTH_SIDECAR_*} variable can set, in reference order. */
    public static List<ConfigKey> withVariables() {
        return ALL.stream().filter(ConfigKey::hasVariable).toList();
    }

    private static List<ConfigKey> collect() {
        List<ConfigKey> out = new ArrayList<>();
        out.addAll(ServerKeys.all());
        out.addAll(UpstreamKeys.all());
        out.addAll(AuthKeys.all());
        out.addAll(RuleKeys.all());
        out.addAll(ProcessKeys.all());
        Set<String> paths = new java.util.HashSet<>();
        for (ConfigKey k : out) {
            if (!paths.add(k.path())) {
                throw new IllegalStateException(k.path() + " is declared twice");
            }
            if (!k.parent().isEmpty()
                    && out.stream()
                            .noneMatch(p -> p.path().equals(k.parent())
                                    || p.path().equals(k.parent().replaceAll("\\[]$", "")))) {
                throw new IllegalStateException(k.path() + " is declared without its section " + k.parent());
            }
        }
        return List.copyOf(out);
    }
}
