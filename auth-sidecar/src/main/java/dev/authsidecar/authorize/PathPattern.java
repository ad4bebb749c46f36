package dev.authsidecar.authorize;

/** An exact path ({@code /healthz}) or a prefix ({@code /public/**}, which also matches {@code /public}). */
record PathPattern(String path, boolean prefix) {

    static PathPattern parse(String pattern) {
        if (pattern.endsWith("/**")) {
            return new PathPattern(pattern.substring(0, pattern.length() - 3), true);
        }
        return new PathPattern(pattern, false);
    }

    boolean matches(String normalizedPath) {
        if (!prefix) {
            return normalizedPath.equals(path);
        }
        // "/public/**" matches "/public", "/public/" and "/public/x" but never "/publicity".
        return normalizedPath.startsWith(path)
                && (normalizedPath.length() == path.length() || normalizedPath.charAt(path.length()) == '/'
                        || path.isEmpty());
    }
}
