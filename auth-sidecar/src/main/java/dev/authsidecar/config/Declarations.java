package dev.authsidecar.config;

import dev.authsidecar.config.ConfigKey.BoolKey;
import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.Reload;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the keys of one group in the order they are declared (static fields initialise in textual order), so
 * the reference lists them as the file is usually written and no second list of them is kept by hand.
 */
final class Declarations {
    private final List<ConfigKey> keys = new ArrayList<>();

    List<ConfigKey> keys() {
        return List.copyOf(keys);
    }

    Structure section(String path, Reload reload, String description) {
        return add(new Structure(path, "mapping", "", reload, description));
    }

    Structure mappings(String path, Reload reload, String description) {
        return add(new Structure(path, "list of mappings", "", reload, description));
    }

    /** A list of text values; {@code shownDefault} is what an absent list means. */
    Structure texts(String path, String shownDefault, Reload reload, String description) {
        return add(new Structure(path, "list of text", shownDefault, reload, description));
    }

    /** One text value or a list of them ({@code audiences: api} or {@code audiences: [api, web]}). */
    Structure textOrTexts(String path, String shownDefault, Reload reload, String description) {
        return add(new Structure(path, "text or list of text", shownDefault, reload, description));
    }

    Structure namedTexts(String path, Reload reload, String description) {
        return add(new Structure(path, "mapping of names to text", "", reload, description));
    }

    Structure namedTextLists(String path, Reload reload, String description) {
        return add(new Structure(path, "mapping of names to text or list of text", "", reload, description));
    }

    IntKey integer(String path, int fallback, int min, int max, Reload reload, String description) {
        return add(new IntKey(path, fallback, min, max, Integer.toString(fallback), reload, description));
    }

    /** An integer whose default is another key's value, which the reader passes in. */
    IntKey integer(String path, String shownDefault, int min, int max, Reload reload, String description) {
        return add(new IntKey(path, min, min, max, shownDefault, reload, description));
    }

    DurationKey duration(
            String path, Duration fallback, Duration min, Duration max, Reload reload, String description) {
        return add(new DurationKey(path, fallback, min, max, reload, description));
    }

    BoolKey bool(String path, boolean fallback, Reload reload, String description) {
        return add(new BoolKey(path, fallback, reload, description));
    }

    /** @param fallback the default, or {@code null} for a key that has none */
    TextKey text(String path, String type, String fallback, Reload reload, String description) {
        return add(new TextKey(path, type, fallback, fallback == null ? "" : fallback, reload, description));
    }

    /** A text key whose default depends on other keys: the reader decides it, the reference shows the phrase. */
    TextKey derivedText(String path, String type, String shownDefault, Reload reload, String description) {
        return add(new TextKey(path, type, null, shownDefault, reload, description));
    }

    private <K extends ConfigKey> K add(K key) {
        keys.add(key);
        return key;
    }
}
