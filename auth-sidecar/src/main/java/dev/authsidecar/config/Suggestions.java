package dev.authsidecar.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean …": the closest known name to a misspelt one, for configuration errors. */
final class Suggestions {
    private Suggestions() {}

    /**
     * @return {@code "; did you mean X?"} when one known name differs only in case and separators, or by at most
     *     two edits (and less than half its length), else the empty string
     */
    static String didYouMean(String given, Collection<String> known) {
        String squashed = squash(given);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new java.util.TreeSet<>(known)) {
            if (squash(k).equals(squashed)) {
                return "; did you mean " + k + "?";
            }
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        boolean close = best != null && bestDistance <= Math.min(2, Math.max(1, given.length() / 2));
        return close ? "; did you mean " + best + "?" : "";
    }

    /** Case and separators ({@code _}, {@code -}, {@code .}) folded away: {@code idle_timeout} is {@code idleTimeout}. */
    private static String squash(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '_' && c != '-' && c != '.') {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
