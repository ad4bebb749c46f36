package dev.authsidecar.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The configuration reference as a Markdown table, made from {@link ConfigKeys}: the README carries a copy, and a
 * test fails when the copy and the declarations differ.
 */
public final class ConfigReference {
    public static final String HEADER = "| key | type | default | variable | reload | what it does |";

    private ConfigReference() {}

    /** The header, the separator and one row per key. */
    public static List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(HEADER);
        out.add("|---|---|---|---|---|---|");
        for (ConfigKey k : ConfigKeys.all()) {
            out.add(row(k));
        }
        return out;
    }

    public static String markdown() {
        return String.join("\n", lines()) + "\n";
    }

    static String row(ConfigKey k) {
        return "| `" + k.path() + "` | " + cell(k.type()) + " | " + code(k.shownDefault()) + " | "
                + (k.hasVariable() ? "`" + EnvironmentOverrides.variableOf(k.path()) + "`" : "") + " | "
                + reload(k) + " | " + cell(k.description()) + " |";
    }

    /** A section whose keys differ says so; its own flag is about the section as a whole. */
    private static String reload(ConfigKey k) {
        boolean mixed = ConfigKeys.all().stream()
                .anyMatch(c -> c.path().startsWith(k.path() + ".") && c.reload() != k.reload());
        return mixed ? "per key" : k.reload() == ConfigKey.Reload.APPLIED ? "applied" : "restart";
    }

    /** Defaults that are values are shown as code; phrases ("every method") as text. */
    private static String code(String shown) {
        if (shown.isEmpty()) {
            return "";
        }
        boolean phrase = shown.contains(" ") && !shown.startsWith("[");
        return phrase ? cell(shown) : "`" + shown.replace("|", "\\|") + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
