package dev.authsidecar.config;

/** A configuration that cannot be used, with the source (file or flag), the key path and the reason. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String source, String path, String reason) {
        super(format(source, path, reason));
    }

    private static String format(String source, String path, String reason) {
        StringBuilder sb = new StringBuilder();
        if (source != null && !source.isEmpty()) {
            sb.append(source).append(": ");
        }
        if (path != null && !path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(reason).toString();
    }
}
