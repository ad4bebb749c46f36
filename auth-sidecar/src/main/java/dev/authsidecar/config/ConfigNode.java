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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the YAML tree, read key by key. Every read records the key as known, so {@link #finish()}
 * can refuse the keys nobody asked for (a typo must not silently fall back to a default).
 */
final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

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
        Matcher m = DURATION.matcher(value.asText().trim());
        if (!value.isTextual() || !m.matches()) {
            throw error(key, "expected a duration such as 250ms, 5s, 1m or 1h, got '" + value.asText() + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
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

    /** Refuses every key that no reader asked for. Call after reading all keys of this mapping. */
    void finish() throws ConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw error(name, "unknown key (known keys here: " + String.join(", ", new TreeSet<>(known)) + ")");
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
