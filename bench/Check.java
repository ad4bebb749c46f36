import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guard: holds the figures of a run against the limits in bench/thresholds.tsv, and fails (exit 1, one line
 * per breach) when one is past its limit. The scripts run it on their new section before they splice it into
 * bench/RESULTS.md, so a regression is not written over the figures it undoes; it can also check a whole RESULTS.md.
 * It reads only what the scripts wrote (each section's {@code <!-- values: k=v … -->} line): it times nothing.
 *
 * <pre>
 * java bench/Check.java bench/thresholds.tsv FILE…   # FILE: a section (work folder's section.md) or a RESULTS.md
 * </pre>
 *
 * Exit 0: every limit that applies holds; 1: a figure is past its limit, or a section that has limits lacks a figure
 * (a section without figures cannot pass a guard); 2: bad usage or an unreadable file.
 */
public final class Check {
    private static final Pattern BLOCK = Pattern.compile("(?s)<!-- (\\S+):start -->(.*?)(?=<!-- \\1:end -->|\\z)");
    private static final Pattern VALUES = Pattern.compile("(?m)^<!-- values: (.*) -->$");

    /** One line of thresholds.tsv: the sections it applies to (a key; '*' matches any text), a figure, its limit. */
    record Limit(String section, String metric, double max, String what) {
        boolean appliesTo(String key) {
            List<String> parts = new ArrayList<>();
            for (String part : section.split("\\*", -1)) {
                parts.add(Pattern.quote(part));
            }
            return key.matches(String.join(".*", parts));
        }
    }

    /** What the check found: lines to print, and whether any is a failure. */
    record Outcome(List<String> lines, boolean failed) {}

    private Check() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: java bench/Check.java THRESHOLDS.tsv FILE...");
            System.exit(2);
        }
        Outcome outcome;
        try {
            List<Limit> limits = limits(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8), args[0]);
            Map<String, Map<String, String>> sections = new LinkedHashMap<>();
            for (int i = 1; i < args.length; i++) {
                sections.putAll(sections(Files.readString(Path.of(args[i]), StandardCharsets.UTF_8)));
            }
            outcome = check(limits, sections);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("Check: " + e.getMessage());
            System.exit(2);
            return;
        }
        outcome.lines().forEach(System.out::println);
        System.exit(outcome.failed() ? 1 : 0);
    }

    /** thresholds.tsv: tab-separated {@code section metric max what}; '#' starts a comment line. */
    static List<Limit> limits(List<String> lines, String name) {
        List<Limit> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 4) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": expected 4 tab-separated fields"
                        + " (section, metric, max, what), got " + f.length);
            }
            try {
                out.add(new Limit(f[0].strip(), f[1].strip(), Double.parseDouble(f[2].strip()), f[3].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": max is not a number: '" + f[2] + "'");
            }
        }
        return out;
    }

    /** Each block's key and the figures of its values line (empty when it has none). */
    static Map<String, Map<String, String>> sections(String text) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            Map<String, String> values = new LinkedHashMap<>();
            Matcher v = VALUES.matcher(m.group(2));
            if (v.find()) {
                for (String kv : v.group(1).split(" ")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        values.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
            }
            out.put(m.group(1), values);
        }
        return out;
    }

    static Outcome check(List<Limit> limits, Map<String, Map<String, String>> sections) {
        List<String> lines = new ArrayList<>();
        boolean failed = false;
        for (Map.Entry<String, Map<String, String>> s : sections.entrySet()) {
            String key = s.getKey();
            List<Limit> applicable = limits.stream().filter(l -> l.appliesTo(key)).toList();
            if (applicable.isEmpty()) {
                lines.add("-      " + key + ": no limits in the thresholds file");
                continue;
            }
            for (Limit l : applicable) {
                String raw = s.getValue().get(l.metric());
                double value;
                try {
                    value = Double.parseDouble(raw);
                } catch (NullPointerException | NumberFormatException e) {
                    lines.add("FAIL   " + key + ": " + l.metric() + " is "
                            + (raw == null ? "missing from its values line" : "not a number: '" + raw + "'")
                            + "; the limit is " + fmt(l.max()) + " (" + l.what() + ")");
                    failed = true;
                    continue;
                }
                boolean over = value > l.max();
                failed |= over;
                lines.add((over ? "BREACH " : "ok     ") + key + ": " + l.metric() + " = " + fmt(value)
                        + (over ? " > " : " <= ") + fmt(l.max()) + " (" + l.what() + ")");
            }
        }
        if (sections.isEmpty()) {
            lines.add("FAIL   no section (<!-- KEY:start -->) in the files given");
            failed = true;
        }
        return new Outcome(lines, failed);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
