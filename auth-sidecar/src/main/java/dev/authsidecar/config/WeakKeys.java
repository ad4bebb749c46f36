package dev.authsidecar.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hashes of the strings people paste into examples and forget to replace. A key entry carrying one of them
 * would let anyone in who guesses the word, so the loader refuses it, as it would any other fail-open value.
 */
final class WeakKeys {
    private static final List<String> PLACEHOLDERS = List.of(
            "",
            "password",
            "Password",
            "secret",
            "changeme",
            "change-me",
            "test",
            "testing",
            "admin",
            "123456",
            "12345678",
            "apikey",
            "api-key",
            "api_key",
            "key",
            "token",
            "demo",
            "example",
            "letmein",
            "qwerty",
            "default",
            "sk_test",
            "replace-me",
            "dev");
    private static final Map<String, String> BY_HASH = byHash();

    private WeakKeys() {}

    /** @return how to name the guessable string behind {@code sha256Hex}, or {@code null} when it is not one */
    static String placeholderOf(String sha256Hex) {
        return BY_HASH.get(sha256Hex.toLowerCase(Locale.ROOT));
    }

    private static Map<String, String> byHash() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            Map<String, String> out = new HashMap<>();
            for (String word : PLACEHOLDERS) {
                String hex = HexFormat.of().formatHex(sha256.digest(word.getBytes(StandardCharsets.US_ASCII)));
                out.put(hex, word.isEmpty() ? "the empty string" : "'" + word + "'");
            }
            return Map.copyOf(out);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
