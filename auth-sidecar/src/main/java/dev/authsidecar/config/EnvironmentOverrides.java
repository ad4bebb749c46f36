package dev.authsidecar.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code AUTH_SIDECAR_*} environment variables, which beat the file (and flags beat them).
 *
 * <p>Every scalar key has exactly one variable, named mechanically: the prefix, then the key path with each dot
 * and each camelCase word boundary turned into an underscore, upper-cased. {@code server.idleTimeout} is
 * {@code AUTH_SIDECAR_SERVER_IDLE_TIMEOUT}, {@code auth.jwt.maxTokenBytes} is
 * {@code AUTH_SIDECAR_AUTH_JWT_MAX_TOKEN_BYTES}. One spelling per key keeps the mapping unambiguous and
 * greppable. Lists and mappings ({@code apiKeys}, {@code publicPaths}, {@code rules}, JWT providers,
 * {@code claimHeaders}) have no variable. The keys come from {@link ConfigKeys}: a key declared there has its
 * variable without another list to keep.
 *
 * <p>Any other variable with the prefix is an error, so a typo cannot silently leave the file's value in
 * force. The one exception is {@code AUTH_SIDECAR_LOG_LEVEL}, which the logging configuration reads.
 */
public final class EnvironmentOverrides {
    public static final String PREFIX = "AUTH_SIDECAR_";
    /** Read by the log set-up (cli.LogSetup), not a configuration key. */
    public static final String LOG_LEVEL = "AUTH_SIDECAR_LOG_LEVEL";

    /** The keys a variable can set: every single value outside a list, as {@link ConfigKeys} declares them. */
    static final List<String> KEYS =
            ConfigKeys.withVariables().stream().map(ConfigKey::path).toList();

    private static final Map<String, String> PATH_BY_VARIABLE = byVariable();

    private EnvironmentOverrides() {}

    /** The variable that sets {@code path}, e.g. {@code AUTH_SIDECAR_SERVER_LISTEN} for {@code server.listen}. */
    public static String variableOf(String path) {
        StringBuilder sb = new StringBuilder(PREFIX);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '.') {
                sb.append('_');
            } else if (Character.isUpperCase(c)) {
                sb.append('_').append(c);
            } else {
                sb.append(Character.toUpperCase(c));
            }
        }
        return sb.toString();
    }

    /** Every variable and the key it sets, sorted by variable. */
    public static Map<String, String> variables() {
        return Collections.unmodifiableMap(new TreeMap<>(PATH_BY_VARIABLE));
    }

    /**
     * The overrides set in {@code environment}, each naming its variable as the source, so an invalid value is
     * reported as {@code AUTH_SIDECAR_SERVER_LISTEN: server.listen: …}.
     *
     * @throws ConfigException naming the first (by name) variable with the prefix that sets no key
     */
    public static List<ConfigOverride> from(Map<String, String> environment) throws ConfigException {
        List<ConfigOverride> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(PREFIX) || name.equals(LOG_LEVEL)) {
                continue;
            }
            String path = PATH_BY_VARIABLE.get(name);
            if (path == null) {
                throw new ConfigException(name, "", "not a configuration variable" + suggestion(name));
            }
            out.add(new ConfigOverride(path, e.getValue(), name));
        }
        return out;
    }

    private static Map<String, String> byVariable() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : KEYS) {
            String previous = out.put(variableOf(key), key);
            if (previous != null) {
                throw new IllegalStateException(key + " and " + previous + " map to the same variable");
            }
        }
        if (out.containsKey(LOG_LEVEL)) {
            throw new IllegalStateException(LOG_LEVEL + " is reserved for the log level");
        }
        return out;
    }

    /** The variable meant, when the name differs only in underscores or by a short typo. */
    private static String suggestion(String name) {
        String hint = Suggestions.didYouMean(name, PATH_BY_VARIABLE.keySet());
        return hint.isEmpty() ? " (the README lists them, section Configuration)" : hint;
    }
}
