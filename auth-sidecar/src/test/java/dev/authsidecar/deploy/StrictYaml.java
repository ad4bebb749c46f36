package dev.authsidecar.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads Kubernetes YAML into fabric8 model objects and refuses what a strict API server would refuse: unknown
 * fields, duplicate keys, a string where a number belongs, a kind that is not the expected one.
 *
 * <p>fabric8's model classes never fail on an unknown field: their {@code @JsonAnySetter} collects it into
 * {@code additionalProperties}, so Jackson's FAIL_ON_UNKNOWN_PROPERTIES has nothing to act on. Instead, after
 * reading, every model object in the graph is visited and any non-empty {@code additionalProperties} is an
 * error naming its path ({@code StrictYamlTest} proves a typo is caught at several depths).
 *
 * <p>Two Jackson generations meet here: the project reads YAML with Jackson 2 (as the sidecar's config loader
 * does); fabric8 8 binds with Jackson 3. The YAML tree is handed over as JSON text.
 */
public final class StrictYaml {
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ObjectMapper JSON = new ObjectMapper();
    // No coercion: `replicas: "2"` is a string, and the API server refuses a string for an integer field.
    private static final JsonMapper MODEL = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private StrictYaml() {}

    /** The YAML documents of {@code text}, in order; comments and empty documents are dropped. */
    public static List<JsonNode> documents(String text, String source) {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    out.add(doc);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        return out;
    }

    /** Binds one document to {@code type} and checks it strictly; the message names {@code source} and the path. */
    public static <T> T bind(JsonNode document, Class<T> type, String source) {
        T model;
        try {
            model = MODEL.readValue(JSON.writeValueAsString(document), type);
        } catch (JacksonException | IOException e) {
            throw new IllegalArgumentException(
                    source + ": does not match the " + type.getSimpleName() + " schema: " + e.getMessage(), e);
        }
        checkKind(model, type, source);
        List<String> unknown = unknownFields(model);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    source + ": unknown field(s), which the API server would refuse: " + String.join("; ", unknown));
        }
        return model;
    }

    public static <T> T bind(String yaml, Class<T> type, String source) {
        List<JsonNode> docs = documents(yaml, source);
        if (docs.size() != 1) {
            throw new IllegalArgumentException(source + ": expected one YAML document, found " + docs.size());
        }
        return bind(docs.get(0), type, source);
    }

    /** A model class's no-argument constructor sets its own apiVersion and kind; the document must agree. */
    private static void checkKind(Object model, Class<?> type, String source) {
        try {
            Object fresh = type.getDeclaredConstructor().newInstance();
            for (String property : List.of("getApiVersion", "getKind")) {
                Method getter = type.getMethod(property);
                Object expected = getter.invoke(fresh);
                Object actual = getter.invoke(model);
                if (expected != null && !expected.equals(actual)) {
                    throw new IllegalArgumentException(
                            source + ": " + property.substring(3).toLowerCase() + " is '" + actual + "', expected '"
                                    + expected + "' for " + type.getSimpleName());
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot inspect " + type, e);
        }
    }

    /** Every non-empty {@code additionalProperties} in the object graph, as "path: [names]". */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        visit(model, model.getClass().getSimpleName(), found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void visit(Object value, String path, List<String> found, Set<Object> seen) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                visit(item, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> visit(v, path + "." + k, found, seen));
            return;
        }
        // Only fabric8's own classes carry additionalProperties; strings, numbers and enums are leaves.
        if (!value.getClass().getName().startsWith("io.fabric8.") || !seen.add(value)) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            String name = getter.getName();
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || !name.startsWith("get")
                    || name.equals("getClass")) {
                continue;
            }
            Object child = invoke(getter, value);
            if (name.equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
            } else if (!isDerived(getter)) {
                visit(child, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), found, seen);
            }
        }
    }

    /** Getters computed from other fields (e.g. Quantity#getNumericalAmount) have no JSON of their own. */
    private static boolean isDerived(Method getter) {
        return getter.isAnnotationPresent(com.fasterxml.jackson.annotation.JsonIgnore.class);
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException e) {
            return null;
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + getter, e.getCause());
        }
    }
}
