package dev.authsidecar.authenticate;

/**
 * RFC 7235's token68, the only syntax a bearer token may have (RFC 6750 §2.1):
 * {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. A key outside it could never be sent.
 */
public final class Token68 {
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c : "-._~+/".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    private Token68() {}

    public static boolean isValid(String s) {
        return isValid(s, 0, s.length());
    }

    /** Checked by table, without copying: tokens are long and this runs on every cache miss. */
    static boolean isValid(String s, int start, int end) {
        int i = start;
        for (; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                break;
            }
        }
        if (i == start) {
            return false;
        }
        for (; i < end; i++) {
            if (s.charAt(i) != '=') {
                return false;
            }
        }
        return true;
    }
}
