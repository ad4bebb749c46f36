package dev.authsidecar.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code .dockerignore} file, matched as Docker matches it (moby's patternmatcher): patterns in order, the
 * last one that matches a path or one of its parent folders decides, {@code !} re-includes, {@code *} and
 * {@code ?} stay within one path segment, {@code **} spans any number of them.
 */
final class DockerIgnore {
    private record Rule(boolean exception, Pattern pattern) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static DockerIgnore read(Path file) throws IOException {
        List<Rule> rules = new ArrayList<>();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            String pattern = clean(exception ? line.substring(1).strip() : line);
            rules.add(new Rule(exception, Pattern.compile(toRegex(pattern))));
        }
        return new DockerIgnore(rules);
    }

    /** Whether the build context leaves out {@code path} (relative to the context, with forward slashes). */
    boolean isIgnored(String path) {
        String file = clean(path);
        List<String> parents = new ArrayList<>();
        for (int i = file.indexOf('/'); i >= 0; i = file.indexOf('/', i + 1)) {
            parents.add(file.substring(0, i));
        }
        boolean matched = false;
        for (Rule rule : rules) {
            // An exclusion cannot change an excluded path, nor an exception an included one.
            if (rule.exception() != matched) {
                continue;
            }
            boolean match = rule.pattern().matcher(file).matches()
                    || parents.stream().anyMatch(p -> rule.pattern().matcher(p).matches());
            if (match) {
                matched = !rule.exception();
            }
        }
        return matched;
    }

    /** As Go's filepath.Clean for the cases that occur here: no leading "/" or "./", no trailing "/". */
    private static String clean(String p) {
        String s = p;
        while (s.startsWith("/") || s.startsWith("./")) {
            s = s.startsWith("/") ? s.substring(1) : s.substring(2);
        }
        while (s.endsWith("/") && s.length() > 1) {
            s = s.substring(0, s.length() - 1);
        }
        return s.replaceAll("/+", "/");
    }

    private static String toRegex(String pattern) {
        StringBuilder re = new StringBuilder("^");
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                    i++;
                    re.append("(.*/)?"); // "**/" also matches no folder at all
                } else {
                    re.append(".*");
                }
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '[' || c == '\\') {
                throw new IllegalArgumentException("'" + pattern + "': character classes and escapes are not "
                        + "supported by this test's matcher; extend DockerIgnore before using them");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.append("$").toString();
    }
}
