package dev.authsidecar.path;

/**
 * Brings a request path to the one form that rules are matched against and the application receives:
 * percent-escapes of unreserved characters decoded (RFC 3986 §2.3), other escapes upper-cased, duplicate
 * slashes collapsed, dot segments removed (§5.2.4). Paths that different servers would read differently
 * are refused instead: encoded {@code /}, {@code \} or NUL, raw backslashes, invalid escapes, and dot
 * segments hidden behind a matrix parameter ({@code /..;/}), which Java servlet containers resolve.
 *
 * <p>Its own package, with no dependencies, because both ends use it: the guard normalizes every request path,
 * and the configuration loader refuses a rule pattern that is not already in this form (it could never match).
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    public static String normalize(String path) throws InvalidPathException {
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw reject("the request target must be an absolute path starting with /");
        }
        boolean simple = true;
        char prev = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw reject("the path contains a character that must be percent-encoded");
            }
            if (c == '\\') {
                throw reject("the path contains a backslash");
            }
            if (c == '#') {
                throw reject("the path contains a fragment");
            }
            if (c == '%' || (prev == '/' && (c == '/' || c == '.' || c == ';'))) {
                simple = false;
            }
            prev = c;
        }
        // Most paths need no change: return them as they are, without allocating.
        return simple ? path : rebuild(path);
    }

    private static String rebuild(String path) throws InvalidPathException {
        String decoded = decodeUnreserved(path);
        String[] segments = decoded.split("/", -1);
        String[] out = new String[segments.length];
        int n = 0;
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (isHiddenDotSegment(s)) {
                throw reject("the path hides a dot segment behind ';'");
            }
            if (s.equals("..")) {
                if (n > 0) {
                    n--;
                }
            } else if (!s.isEmpty() && !s.equals(".")) {
                out[n++] = s;
                continue;
            }
            if (last) {
                out[n++] = "";
            }
        }
        StringBuilder sb = new StringBuilder(decoded.length());
        for (int i = 0; i < n; i++) {
            sb.append('/').append(out[i]);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    private static String decodeUnreserved(String path) throws InvalidPathException {
        StringBuilder sb = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= path.length()) {
                throw reject("the path has an incomplete percent-escape");
            }
            int hi = Character.digit(path.charAt(i + 1), 16);
            int lo = Character.digit(path.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                throw reject("the path has an invalid percent-escape");
            }
            int v = hi * 16 + lo;
            if (v == '/' || v == '\\' || v == 0) {
                throw reject("the path has an encoded '/', '\\' or NUL");
            }
            if (isUnreserved(v)) {
                sb.append((char) v);
            } else {
                sb.append('%')
                        .append(Character.toUpperCase(path.charAt(i + 1)))
                        .append(Character.toUpperCase(path.charAt(i + 2)));
            }
            i += 2;
        }
        return sb.toString();
    }

    private static boolean isHiddenDotSegment(String segment) {
        int semi = segment.indexOf(';');
        if (semi < 0) {
            return false;
        }
        String head = segment.substring(0, semi);
        return head.equals(".") || head.equals("..") || head.isEmpty();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~';
    }

    private static InvalidPathException reject(String detail) {
        return new InvalidPathException(detail);
    }
}
