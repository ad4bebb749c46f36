package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One mapping of the YAML tree, read key by key. Every read records the key as known, so {@link #finish()}
 * can refuse the keys nobody asked for (a typo must not silently fall back to a default).
 */
final class ConfigNode {

    private final String source;
    private final String path;
    private final ObjectNode node;
    private final Map<String, String> overrideSources;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigNode(String source, String path, ObjectNode node, Map<String, String> overrideSources) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.overrideSources = overrideSources;
    }

    static ConfigNode root(String source, JsonNode tree, Map<String, String> overrideSources)
            throws ConfigException {
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return new ConfigNode(source, "", JsonNodeFactory.instance.objectNode(), overrideSources);
        }
        if (!tree.isObject()) {
            throw new ConfigException(source, "", "the top level must be a mapping of keys to values");
        }
        return new ConfigNode(source, "", (ObjectNode) tree, overrideSources);
    }

    String source() {
        return source;
    }

    ConfigNode child(String key) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return new ConfigNode(source, pathOf(key), JsonNodeFactory.instance.objectNode(), overrideSources);
        }
        if (!value.isObject()) {
            throw error(key, "expected a mapping of keys to values");
        }
        return new ConfigNode(source, pathOf(key), (ObjectNode) value, overrideSources);
    }

    /** The mapping under {@code key}, or {@code null} when the section is absent. */
    ConfigNode optionalChild(String key) throws ConfigException {
        if (!has(key)) {
            known.add(key);
            return null;
        }
        return child(key);
    }

    boolean has(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    String string(String key, String fallback) throws ConfigException {
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

    boolean bool(String key, boolean fallback) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return fallback;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        // Overrides from flags and environment arrive as text.
        if (value.isTextual() && (value.asText().equals("true") || value.asText().equals("false"))) {
            return Boolean.parseBoolean(value.asText());
        }
        throw error(key, "expected true or false, got '" + value.asText() + "'");
    }

    int integer(String key, int fallback, int min, int max) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return fallback;
        }
        long n;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            n = value.longValue();
        } else if (value.isTextual() && value.asText().matches("-?\\d{1,18}")) {
            n = Long.parseLong(value.asText());
        } else {
            throw error(key, "expected a whole number, got '" + value.asText() + "'");
        }
        if (n < min || n > max) {
            throw error(key, "must be from " + min + " to " + max + ", got " + n);
        }
        return (int) n;
    }

    Duration duration(String key, Duration fallback, Duration min, Duration max) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw error(key, "expected a duration such as 250ms, 5s, 1m or 1h, got '" + value.asText() + "'");
        }
        Duration d;
        try {
            d = Durations.parse(value.asText());
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw error(key, "must be from " + human(min) + " to " + human(max) + ", got " + value.asText());
        }
        return d;
    }

    List<String> strings(String key) throws ConfigException {
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

    List<ConfigNode> objects(String key) throws ConfigException {
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
            out.add(new ConfigNode(source, pathOf(itemKey), (ObjectNode) item, overrideSources));
        }
        return out;
    }

    /** A single text value, or a list of them, as a list (for keys like {@code audiences: x}). */
    List<String> stringOrList(String key) throws ConfigException {
        JsonNode value = node.get(key);
        if (value != null && value.isTextual()) {
            known.add(key);
            return List.of(value.asText());
        }
        return strings(key);
    }

    /** A mapping of names to text values, in file order. */
    Map<String, String> stringMap(String key) throws ConfigException {
        JsonNode value = take(key);
        Map<String, String> out = new java.util.LinkedHashMap<>();
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
    Map<String, List<String>> stringListMap(String key) throws ConfigException {
        ConfigNode child = child(key);
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
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

    /** An absolute URL with a host. */
    java.net.URI uri(String key) throws ConfigException {
        String text = string(key, null);
        if (text == null) {
            return null;
        }
        try {
            java.net.URI uri = new java.net.URI(text);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw error(key, "expected an absolute URL such as https://idp.example/keys, got '" + text + "'");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw error(key, "not a valid URL: " + e.getMessage());
        }
    }

    /** A file that must exist, relative paths resolved against the config file's folder. */
    java.nio.file.Path existingFile(String key, java.nio.file.Path baseDir) throws ConfigException {
        String text = string(key, null);
        if (text == null) {
            return null;
        }
        java.nio.file.Path p = baseDir.resolve(text);
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw error(key, "file not found: " + p);
        }
        return p;
    }

    /**
     * Declares every key this mapping may hold and refuses any other at once, before a value is read: an
     * unknown key is reported as itself (with the key it was probably meant to be), never as a confusing error
     * about the keys that are missing because of it.
     */
    ConfigNode keys(String... names) throws ConfigException {
        known.addAll(List.of(names));
        finish();
        return this;
    }

    /** Refuses every key that was neither declared nor read. Call after reading all keys of this mapping. */
    void finish() throws ConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw error(name, "unknown key" + Suggestions.didYouMean(name, known)
                        + " (known keys here: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    ConfigException error(String key, String reason) {
        String full = pathOf(key);
        String overriddenBy = overrideSources.get(full);
        return new ConfigException(overriddenBy != null ? overriddenBy : source, full, reason);
    }

    private JsonNode take(String key) {
        known.add(key);
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    private String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
