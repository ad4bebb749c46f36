package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authsidecar.config.ConfigKey.BoolKey;
import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mapping of the YAML tree, read key by key through the keys {@link ConfigKeys} declares under its path. Its
 * {@link YamlMapping} knows where it sits, the shape of its values and which keys it may hold, so
 * {@link #keys()} and {@link #finish()} can refuse any other. Values of declared keys are read through their
 * declaration, so the default and the bounds are the declared ones; the value each single key ends up with, and
 * where it came from, is noted for {@code check-config --effective}.
 */
final class ConfigNode {

    private final YamlMapping mapping;
    private final Map<String, Setting> settings;

    private ConfigNode(YamlMapping mapping, Map<String, Setting> settings) {
        this.mapping = mapping;
        this.settings = settings;
    }

    /** The top of the configuration file, with the overrides already applied to {@code tree}. */
    static ConfigNode root(
            String source, ObjectNode tree, Map<String, String> overrideSources, Map<String, Setting> settings) {
        return new ConfigNode(new YamlMapping(source, "", "", tree, overrideSources), settings);
    }

    /**
     * A mapping read from another file that holds the keys of {@code schema} at its top, shown without a prefix in
     * messages (the API-key file's entries are {@code apiKeys[0].name} of that file).
     */
    static ConfigNode detached(String source, String schema, ObjectNode tree) {
        return new ConfigNode(new YamlMapping(source, "", schema, tree, Map.of()), new LinkedHashMap<>());
    }

    // Reads of declared keys: the declaration gives the name, the default and the bounds.

    ConfigNode child(ConfigKey key) throws ConfigException {
        return new ConfigNode(mapping.child(own(key)), settings);
    }

    /** The mapping of {@code key}, or {@code null} when the section is absent. */
    ConfigNode optionalChild(ConfigKey key) throws ConfigException {
        if (!has(key)) {
            return null;
        }
        return child(key);
    }

    List<ConfigNode> objects(ConfigKey key) throws ConfigException {
        List<ConfigNode> out = new ArrayList<>();
        for (YamlMapping item : mapping.objects(own(key))) {
            out.add(new ConfigNode(item, settings));
        }
        return out;
    }

    List<String> strings(ConfigKey key) throws ConfigException {
        return mapping.strings(own(key));
    }

    List<String> stringOrList(ConfigKey key) throws ConfigException {
        return mapping.stringOrList(own(key));
    }

    Map<String, String> stringMap(ConfigKey key) throws ConfigException {
        return mapping.stringMap(own(key));
    }

    Map<String, List<String>> stringListMap(ConfigKey key) throws ConfigException {
        return mapping.stringListMap(own(key));
    }

    boolean has(ConfigKey key) {
        return mapping.has(own(key));
    }

    ConfigException error(ConfigKey key, String reason) {
        return mapping.error(own(key), reason);
    }

    int read(IntKey key) throws ConfigException {
        return read(key, key.fallback());
    }

    /** @param fallback the default when it is another key's value (the declaration shows which) */
    int read(IntKey key, int fallback) throws ConfigException {
        String name = own(key);
        JsonNode value = mapping.take(name);
        long n = fallback;
        if (value != null && value.isIntegralNumber() && value.canConvertToLong()) {
            n = value.longValue();
        } else if (value != null && value.isTextual() && value.asText().matches("-?\\d{1,18}")) {
            n = Long.parseLong(value.asText());
        } else if (value != null) {
            throw error(name, "expected a whole number, got '" + value.asText() + "'");
        }
        if (value != null && (n < key.min() || n > key.max())) {
            throw error(name, "must be from " + key.min() + " to " + key.max() + ", got " + n);
        }
        note(key, Long.toString(n));
        return (int) n;
    }

    Duration read(DurationKey key) throws ConfigException {
        String name = own(key);
        JsonNode value = mapping.take(name);
        if (value == null) {
            note(key, key.shownDefault());
            return key.fallback();
        }
        if (!value.isTextual()) {
            throw error(name, "expected a duration such as 250ms, 5s, 1m or 1h, got '" + value.asText() + "'");
        }
        Duration d;
        try {
            d = Durations.parse(value.asText());
        } catch (IllegalArgumentException e) {
            throw error(name, e.getMessage());
        }
        if (d.compareTo(key.min()) < 0 || d.compareTo(key.max()) > 0) {
            throw error(
                    name, "must be from " + human(key.min()) + " to " + human(key.max()) + ", got " + value.asText());
        }
        note(key, value.asText());
        return d;
    }

    boolean read(BoolKey key) throws ConfigException {
        String name = own(key);
        JsonNode value = mapping.take(name);
        boolean v;
        if (value == null) {
            v = key.fallback();
        } else if (value.isBoolean()) {
            v = value.booleanValue();
        } else if (value.isTextual()
                && (value.asText().equals("true") || value.asText().equals("false"))) {
            // Overrides from flags and environment arrive as text.
            v = Boolean.parseBoolean(value.asText());
        } else {
            throw error(name, "expected true or false, got '" + value.asText() + "'");
        }
        note(key, Boolean.toString(v));
        return v;
    }

    /** The text, or the declared default ({@code null} for a key without one). */
    String read(TextKey key) throws ConfigException {
        return read(key, key.fallback());
    }

    /** @param fallback the default when it depends on other keys (the declaration says how) */
    String read(TextKey key, String fallback) throws ConfigException {
        String v = text(own(key), fallback);
        note(key, v);
        return v;
    }

    /** An absolute URL with a host. */
    URI uri(TextKey key) throws ConfigException {
        String name = own(key);
        String text = text(name, null);
        if (text == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw error(name, "not a valid URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw error(name, "expected an absolute URL such as https://idp.example/keys, got '" + text + "'");
        }
        // check-config --effective shows a password in a URL as ***.
        note(key, uri.getRawUserInfo() == null ? text : text.replace(uri.getRawUserInfo() + "@", "***@"));
        return uri;
    }

    /** A file that must exist, relative paths resolved against the config file's folder. */
    Path existingFile(TextKey key, Path baseDir) throws ConfigException {
        String name = own(key);
        String text = text(name, null);
        if (text == null) {
            return null;
        }
        Path p = baseDir.resolve(text);
        if (!Files.isRegularFile(p)) {
            throw error(name, "file not found: " + p);
        }
        note(key, p.toString());
        return p;
    }

    /** The name of {@code key} in this mapping; reading a key of another mapping here is a programming error. */
    private String own(ConfigKey key) {
        if (!key.parent().equals(mapping.schema())) {
            throw new IllegalStateException(key.path() + " read from the mapping " + mapping.schema());
        }
        return key.name();
    }

    /** Remembers the value in force of a key that has a variable, and whether a default, the file or an override set it. */
    private void note(ConfigKey key, String value) {
        if (value == null || !key.hasVariable()) {
            return;
        }
        String full = mapping.pathOf(key.name());
        settings.put(full, new Setting(full, value, mapping.origin(key.name())));
    }

    /**
     * Declares every key this mapping may hold and refuses any other at once, before a value is read: an
     * unknown key is reported as itself (with the key it was probably meant to be), never as a confusing error
     * about the keys that are missing because of it.
     */
    ConfigNode keys() throws ConfigException {
        finish();
        return this;
    }

    /** Refuses every key that was neither declared nor read. Call after reading all keys of this mapping. */
    void finish() throws ConfigException {
        mapping.finish();
    }

    ConfigException error(String key, String reason) {
        return mapping.error(key, reason);
    }

    private String text(String key, String fallback) throws ConfigException {
        JsonNode value = mapping.take(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
            throw error(key, "expected a text value");
        }
        String text = value.asText();
        if (text.isBlank()) {
            throw error(key, "must not be empty");
        }
        return text;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
