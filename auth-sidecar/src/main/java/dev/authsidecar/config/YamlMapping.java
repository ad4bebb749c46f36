package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One mapping of the YAML tree as the file holds it, by plain key names: where it sits (its path, and the file or
 * override a value came from, for messages), the shape each value must have (a mapping, a list, a map of names to
 * text), and the keys it may hold. Those are the ones {@link ConfigKeys} declares under its path, so
 * {@link #finish()} can refuse any other (a typo must not silently fall back to a default), naming the declared
 * ones. {@link ConfigNode} reads it through the declarations.
 */
final class YamlMapping {

    private final String source;
    private final String path;
    /** The declared path of this mapping: {@link #path} with list indexes as {@code []}. */
    private final String schema;

    private final ObjectNode node;
    private final Map<String, String> overrideSources;
    private final Set<String> known = new LinkedHashSet<>();

    YamlMapping(String source, String path, String schema, ObjectNode node, Map<String, String> overrideSources) {
        this.source = source;
        this.path = path;
        this.schema = schema;
        this.node = node;
        this.overrideSources = overrideSources;
        known.addAll(ConfigKeys.namesUnder(schema));
    }

    String schema() {
        return schema;
    }

    boolean has(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** The value of {@code key}, {@code null} when absent; either way the key is known from now on. */
    JsonNode take(String key) {
        known.add(key);
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    /** Whether an override, the file or the default set {@code key}: the origin {@code --effective} shows. */
    String origin(String key) {
        String origin = overrideSources.get(pathOf(key));
        if (origin == null) {
            origin = node.hasNonNull(key) ? source : "default";
        }
        return origin;
    }

    YamlMapping child(String key) throws ConfigException {
        JsonNode value = take(key);
        if (value == null) {
            return new YamlMapping(
                    source, pathOf(key), schemaOf(key), JsonNodeFactory.instance.objectNode(), overrideSources);
        }
        if (!value.isObject()) {
            throw error(key, "expected a mapping of keys to values");
        }
        return new YamlMapping(source, pathOf(key), schemaOf(key), (ObjectNode) value, overrideSources);
    }

    List<YamlMapping> objects(String key) throws ConfigException {
        JsonNode value = list(key);
        List<YamlMapping> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemKey = key + "[" + i + "]";
            if (!item.isObject()) {
                throw error(itemKey, "expected a mapping of keys to values");
            }
            out.add(new YamlMapping(source, pathOf(itemKey), schemaOf(key) + "[]", (ObjectNode) item, overrideSources));
        }
        return out;
    }

    List<String> strings(String key) throws ConfigException {
        JsonNode value = list(key);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
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
    Map<String, List<String>> stringListMap(String key) throws ConfigException {
        YamlMapping child = child(key);
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

    /** The list at {@code key}, or {@code null} when absent. */
    private JsonNode list(String key) throws ConfigException {
        JsonNode value = take(key);
        if (value != null && !value.isArray()) {
            throw error(key, "expected a list");
        }
        return value;
    }

    /** Refuses every key that was neither declared nor read. */
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

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String schemaOf(String key) {
        return schema.isEmpty() ? key : schema + "." + key;
    }
}
