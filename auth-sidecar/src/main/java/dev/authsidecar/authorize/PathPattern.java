package dev.authsidecar.authorize;

/**
 * A rule's path: literal segments, {@code *} for exactly one segment, and an optional final {@code /**} for any
 * suffix (which also matches the prefix itself: {@code /public/**} matches {@code /public}). Matched against
 * the normalized path, segment by segment, without allocating.
 */
final class PathPattern {
    private final String[] segments;
    private final boolean anySuffix;
    private final String pattern;

    private PathPattern(String pattern, String[] segments, boolean anySuffix) {
        this.pattern = pattern;
        this.segments = segments;
        this.anySuffix = anySuffix;
    }

    static PathPattern parse(String pattern) {
        boolean anySuffix = pattern.endsWith("/**");
        String body = anySuffix ? pattern.substring(0, pattern.length() - 3) : pattern;
        String[] segments = body.isEmpty() || body.equals("/") && anySuffix
                ? new String[0]
                : body.substring(1).split("/", -1);
        return new PathPattern(pattern, segments, anySuffix);
    }

    boolean matches(String path) {
        int pos = 1;
        for (String segment : segments) {
            if (pos > path.length()) {
                return false;
            }
            int end = path.indexOf('/', pos);
            if (end < 0) {
                end = path.length();
            }
            if (segment.equals("*")) {
                if (end == pos) {
                    return false;
                }
            } else if (end - pos != segment.length() || !path.regionMatches(pos, segment, 0, segment.length())) {
                return false;
            }
            pos = end + 1;
        }
        if (anySuffix) {
            // "/a/**" matches "/a", "/a/" and "/a/x", never "/ab".
            return pos >= path.length() || path.charAt(pos - 1) == '/';
        }
        return pos == path.length() + 1 || (segments.length == 0 && path.equals("/"));
    }

    @Override
    public String toString() {
        return pattern;
    }
}
