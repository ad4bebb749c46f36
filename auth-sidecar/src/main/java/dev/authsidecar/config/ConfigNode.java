package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One mapping of the YAML tree, read key by key. The keys it may hold are the ones {@link ConfigKeys} declares
 * under its path, so {@link #keys()} and {@link #finish()} can refuse any other (a typo must not silently fall
 * back to a default), naming the declared ones. Values of declared keys are read through their declaration, so
 * the default and the bounds are the declared ones; the value each single key ends up with, and where it came
 * from, is noted for {@code check-config --effective}.
 */
final class ConfigNode {

    private final String source;
    private final String path;
    /** The declared path of this mapping: {@link #path} with list indexes as {@code []}. */
    private final String schema;

    private final ObjectNode node;
    private final Map<String, String> overrideSources;
    private final Map<String, Setting> settings;
    private final Set<String> known = new LinkedHashSet<>();

    private ConfigNode(
            String source,
            String path,
            String schema,
            ObjectNode node,
            Map<String, String> overrideSources,
            Map<String, Setting> settings) {
        this.source = source;
        this.path = path;
        this.schema = schema;
        this.node = node;
        this.overrideSources = overrideSources;
        this.settings = settings;
        known.addAll(ConfigKeys.namesUnder(schema));
    }

    /** The top of the configuration file, with the overrides already applied to {@code tree}. */
    static ConfigNode root(
            String source, ObjectNode tree, Map<String, String> overrideSources, Map<String, Setting> settings) {
        return new ConfigNode(source, "", "", tree, overrideSources, settings);
    }

    /**
     * A mapping read from another file that holds the keys of {@code schema} at its top, shown without a prefix in
     * messages (the API-key file's entries are {@code apiKeys[0].name} of that file).
     */
    static ConfigNode detached(String source, String schema, ObjectNode tree) {
        return new ConfigNode(source, "", schema, tree, Map.of(), new LinkedHashMap<>());
    }

    // Reads of declared keys: the declaration gives the name, the default and the bounds.

    ConfigNode child(ConfigKey key) throws ConfigException {
        return child(own(key));
    }

    /** The mapping of {@code key}, or {@code null} when the section is absent. */
    ConfigNode optionalChild(ConfigKey key) throws ConfigException {
        if (!has(key)) {
            return null;
        }
        return child(key);
    }

    List<ConfigNode> objects(ConfigKey key) throws ConfigException {
        return objects(own(key));
    }

    List<String> strings(ConfigKey key) throws ConfigException {
        return strings(own(key));
    }

    List<String> stringOrList(ConfigKey key) throws ConfigException {
        return stringOrList(own(key));
    }

    Map<String, String> stringMap(ConfigKey key) throws ConfigException {
        return stringMap(own(key));
    }

    Map<String, List<String>> stringListMap(ConfigKey key) throws ConfigException {
        return stringListMap(own(key));
    }

    boolean has(ConfigKey key) {
        JsonNode value = node.get(own(key));
        return value != null && !value.isNull();
    }

    ConfigException error(ConfigKey key, String reason) {
        return error(own(key), reason);
    }

    int read(IntKey key) throws ConfigException {
        return read(key, key.fallback());
    }

    /** @param fallback the default when it is another key's value (the declaration shows which) */
    int read(IntKey key, int fallback) throws ConfigException {
        String name = own(key);
        JsonNode value = take(name);
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
        JsonNode value = take(name);
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
        JsonNode value = take(name);
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
        if (!key.parent().equals(schema)) {
            throw new IllegalStateException(key.path() + " read from the mapping " + schema);
        }
        return key.name();
    }

    /** Remembers the value in force of a key that has a variable, and whether a default, the file or an override set it. */
    private void note(ConfigKey key, String value) {
        if (value == null || !key.hasVariable()) {
            return;
        }
        String full = pathOf(key.name());
        String origin = overrideSources.get(full);
        if (origin == null) {
            origin = node.hasNonNull(key.name()) ? source : "default";
        }
        settings.put(full, new Setting(full, value, origin));
    }

    private ConfigNode child(String key) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return new ConfigNode(
                    source,
                    pathOf(key),
                    schemaOf(key),
                    JsonNodeFactory.instance.objectNode(),
                    overrideSources,
                    settings);
        }
        if (!value.isObject()) {
            throw error(key, "expected a mapping of keys to values");
        }
        return new ConfigNode(source, pathOf(key), schemaOf(key), (ObjectNode) value, overrideSources, settings);
    }

    private List<String> strings(String key) throws ConfigException {
        JsonNode value = take(key);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!value.isArray()) {
            throw error(key, "expected a list");
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual() || item.asText().isBlank()) {
                throw error(key + "[" + i + "]", "expected a non-empty text value");
            }
            out.add(item.asText());
        }
        return out;
    }

    private List<ConfigNode> objects(String key) throws ConfigException {
        JsonNode value = take(key);
        List<ConfigNode> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!value.isArray()) {
            throw error(key, "expected a list");
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemKey = key + "[" + i + "]";
            if (!item.isObject()) {
                throw error(itemKey, "expected a mapping of keys to values");
            }
            out.add(new ConfigNode(
                    source, pathOf(itemKey), schemaOf(key) + "[]", (ObjectNode) item, overrideSources, settings));
        }
        return out;
    }

    /** A single text value, or a list of them, as a list (for keys like {@code audiences: x}). */
    private List<String> stringOrList(String key) throws ConfigException {
        JsonNode value = node.get(key);
        if (value != null && value.isTextual()) {
            known.add(key);
            return List.of(value.asText());
        }
        return strings(key);
    }

    /** A mapping of names to text values, in file order. */
    private Map<String, String> stringMap(String key) throws ConfigException {
        JsonNode value = take(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!value.isObject()) {
            throw error(key, "expected a mapping of names to values");
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw error(key + "." + e.getKey(), "expected a non-empty text value");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** A mapping of names to lists of accepted text values ({@code claims: {groups: [ops, dev]}}). */
    private Map<String, List<String>> stringListMap(String key) throws ConfigException {
        ConfigNode child = child(key);
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Iterator<String> it = child.node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            List<String> values = child.stringOrList(name);
            if (values.isEmpty()) {
                throw child.error(name, "needs at least one accepted value");
            }
            out.put(name, values);
        }
        return out;
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
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw error(
                        name,
                        "unknown key" + Suggestions.didYouMean(name, known) + " (known keys here: "
                                + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    ConfigException error(String key, String reason) {
        String full = pathOf(key);
        String overriddenBy = overrideSources.get(full);
        return new ConfigException(overriddenBy != null ? overriddenBy : source, full, reason);
    }

    private String text(String key, String fallback) throws ConfigException {
        JsonNode value = take(key);
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

    private JsonNode take(String key) {
        known.add(key);
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    private String schemaOf(String key) {
        return schema.isEmpty() ? key : schema + "." + key;
    }

    private String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
