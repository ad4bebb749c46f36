package dev.authsidecar.rewrite;

/**
 * How servers that fold header names see them: case-insensitive, with every {@code tchar} that is not a
 * letter or digit ({@code ! # $ % & ' * + - . ^ _ ` | ~}, RFC 9110 §5.6.2) read as the same separator. Names
 * that reach this point were validated as tokens by the HTTP decoder, so no other character occurs.
 */
final class HeaderFolding {
    private HeaderFolding() {}

    /** Whether {@code a} and {@code b} name the same field for a server that folds names. */
    static boolean sameField(CharSequence a, CharSequence b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (isPunctuation(x) ? !isPunctuation(y) : (x | 0x20) != (y | 0x20) || !isLetterOrDigit(x)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** One of the {@code tchar} characters that is not a letter or digit. */
    static boolean isPunctuation(char c) {
        return c < 128 && PUNCTUATION[c];
    }

    private static final boolean[] PUNCTUATION = new boolean[128];

    static {
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            PUNCTUATION[c] = true;
        }
    }
}
