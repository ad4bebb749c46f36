import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bench/RESULTS.md: one file that several scripts write parts of. It is a common part (the text before the first
 * block) followed by blocks, each between {@code <!-- KEY:start -->} and {@code <!-- KEY:end -->}: run:apikey,
 * run:jwt… from bench/run.sh, jmh from bench/jmh/run.sh, ws-BYTES from bench/ws-run.sh, h2-MODE from
 * bench/h2-run.sh, grpc from bench/grpc-run.sh. A script replaces its own block in place (or appends it) and leaves
 * every other byte alone; bench/run.sh also replaces the common part. After every splice the common part's summary
 * (between its {@code <!-- summary: … -->} and {@code <!-- summary end -->} lines) is rebuilt from the blocks'
 * {@code <!-- values: … -->} lines, one row per protocol ({@link Summary}).
 *
 * <p>Run with the JDK's single-file launcher (JDK 17 or newer), no dependencies; its siblings bench/RunReport.java
 * (bench/run.sh's text) and bench/Check.java (the guard) are separate programs:
 *
 * <pre>
 * java bench/Results.java jvm-flags DOCKERFILE                 # the sidecar image's JVM options (SIDECAR_JAVA_OPTIONS)
 * java bench/Results.java splice RESULTS.md KEY FILE [COMMON]  # FILE (KEY's block) into RESULTS.md; COMMON: new common part
 * java bench/Results.java summary RESULTS.md                   # rebuild the summary only
 * </pre>
 */
public final class Results {
    private static final Pattern MARKER = Pattern.compile("<!-- (\\S+):start -->");

    /** A file split into its common part and its blocks, in file order; {@code between} is text after a block. */
    record Document(String common, List<Block> blocks) {
        record Block(String key, String text, String between) {
        }

        static Document parse(String text) {
            Matcher m = MARKER.matcher(text);
            List<Block> blocks = new ArrayList<>();
            String common = text;
            int at = -1;
            String key = null;
            while (true) {
                boolean found = m.find();
                if (key != null) {
                    String rest = text.substring(at, found ? m.start() : text.length());
                    String end = "<!-- " + key + ":end -->";
                    int e = rest.indexOf(end);
                    // A block whose end marker is missing runs to the next block (or the end of the file).
                    int cut = e < 0 ? rest.length() : e + end.length();
                    blocks.add(new Block(key, rest.substring(0, cut), rest.substring(cut)));
                } else if (found) {
                    common = text.substring(0, m.start());
                }
                if (!found) {
                    break;
                }
                at = m.start();
                key = m.group(1);
            }
            return new Document(common, blocks);
        }

        Optional<String> block(String key) {
            return blocks.stream().filter(b -> b.key.equals(key)).map(Block::text).findFirst();
        }

        /**
         * {@code text} as block {@code key}: in place of the old one, else after the last block whose key starts
         * with {@code family} (so sections of one script stay together), else first ({@code newFamilyFirst}: the
         * run sections, which the summary at the top is about) or at the end.
         */
        Document with(String key, String text, String family, boolean newFamilyFirst) {
            List<Block> out = new ArrayList<>(blocks);
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).key.equals(key)) {
                    out.set(i, new Block(key, text, out.get(i).between));
                    return new Document(common, out);
                }
            }
            int after = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).key.startsWith(family)) {
                    after = i;
                }
            }
            if (after < 0 && newFamilyFirst && !out.isEmpty()) {
                out.add(0, new Block(key, text, "\n\n"));
                return new Document(common, out);
            }
            if (after < 0) {
                after = out.size() - 1;
            }
            if (after < 0) {
                String sep = common.isEmpty() || common.endsWith("\n\n") ? "" : common.endsWith("\n") ? "\n" : "\n\n";
                return new Document(common + sep, List.of(new Block(key, text, "\n")));
            }
            Block prev = out.get(after);
            out.set(after, new Block(prev.key, prev.text, "\n\n"));
            out.add(after + 1, new Block(key, text, prev.between.isBlank() ? "\n" : prev.between));
            return new Document(common, out);
        }

        Document withCommon(String newCommon) {
            return new Document(newCommon, blocks);
        }

        String render() {
            StringBuilder sb = new StringBuilder(common);
            for (Block b : blocks) {
                sb.append(b.text).append(b.between);
            }
            return sb.toString();
        }
    }

    private Results() {
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            System.err.println("Results: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "";
        switch (command) {
            case "jvm-flags" -> {
                need(args, 2, "jvm-flags DOCKERFILE");
                System.out.println(jvmFlags(Path.of(args[1])));
            }
            case "splice" -> {
                if (args.length != 4 && args.length != 5) {
                    need(args, 4, "splice RESULTS.md KEY FILE [COMMON]");
                }
                Path results = Path.of(args[1]);
                String section = Files.readString(Path.of(args[3]), StandardCharsets.UTF_8);
                String key = args[2];
                if (!section.startsWith("<!-- " + key + ":start -->")) {
                    throw new IllegalArgumentException(args[3] + " does not start with <!-- " + key + ":start -->");
                }
                Document doc = read(results);
                // The run sections come first: the summary at the top is mostly about them.
                boolean run = key.startsWith("run:");
                doc = doc.with(key, section.stripTrailing(), run ? "run:" : key.split("[-:]")[0], run);
                if (args.length == 5) {
                    doc = doc.withCommon(Files.readString(Path.of(args[4]), StandardCharsets.UTF_8));
                }
                write(results, Summary.refresh(doc));
            }
            case "summary" -> {
                need(args, 2, "summary RESULTS.md");
                Path results = Path.of(args[1]);
                write(results, Summary.refresh(read(results)));
            }
            default -> {
                System.err.println("usage: java bench/Results.java jvm-flags DOCKERFILE"
                        + " | splice RESULTS.md KEY FILE [COMMON] | summary RESULTS.md");
                System.exit(2);
            }
        }
    }

    /**
     * The sidecar image's JVM options: the default of {@code ARG SIDECAR_JAVA_OPTIONS="…"} in the Dockerfile, the
     * one place they are written down, so that the benchmark measures what the image runs.
     */
    static String jvmFlags(Path dockerfile) throws IOException {
        Matcher m = Pattern.compile("(?m)^ARG SIDECAR_JAVA_OPTIONS=\"([^\"]+)\"\\s*$").matcher(Files.readString(dockerfile));
        if (!m.find()) {
            throw new IllegalStateException(dockerfile + " has no ARG SIDECAR_JAVA_OPTIONS=\"…\" line");
        }
        return m.group(1).strip();
    }

    static Document read(Path results) throws IOException {
        return Files.exists(results) ? Document.parse(Files.readString(results, StandardCharsets.UTF_8))
                : new Document("", List.of());
    }

    /** Written next to the file, then moved over it: an interrupted run never leaves half a file. */
    static void write(Path results, Document doc) throws IOException {
        Path dir = results.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".RESULTS", ".md");
        String text = doc.render();
        Files.writeString(tmp, text.endsWith("\n") ? text : text + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, results, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The values of a run block's {@code <!-- values: k=v … -->} line. */
    static Map<String, String> values(String block) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^<!-- values: (.*) -->$").matcher(block);
        if (m.find()) {
            for (String kv : m.group(1).split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    out.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        return out;
    }

    private static void need(String[] args, int n, String usage) {
        if (args.length != n) {
            System.err.println("usage: java bench/Results.java " + usage);
            System.exit(2);
        }
    }
}


/**
 * The summary at the top of RESULTS.md: one row per protocol, each from its section's values line, with the CPU per
 * request (message, call) of the sidecar and of nginx measured in the same run and their ratio. A protocol not
 * measured yet keeps its row, saying which script measures it, so the table always shows what is missing.
 */
final class Summary {
    static final String START = "<!-- summary: written by bench/Results.java from each section's values line -->";
    static final String END = "<!-- summary end -->";

    /** Section key (or key prefix ending in '-') → protocol, in table order; {@code true}: a row even when absent. */
    private record Row(String key, String protocol, String script, boolean always) {}

    private static final List<Row> ROWS = List.of(
            new Row("run:apikey", "HTTP/1.1, API key", "bench/run.sh", true),
            new Row("run:jwt", "HTTP/1.1, JWT RS256 (verified-token cache hit)", "AUTH=jwt bench/run.sh", true),
            new Row("run:apikey-accesslog", "HTTP/1.1, API key, access logs on", "ACCESS_LOG=on bench/run.sh", false),
            new Row("run:jwt-accesslog", "HTTP/1.1, JWT, access logs on", "AUTH=jwt ACCESS_LOG=on bench/run.sh", false),
            new Row("h2-h2c", "HTTP/2 (h2c), nginx `http2`", "bench/h2-run.sh", true),
            new Row("h2-tls", "TLS keep-alive (HTTP/1.1), nginx `ssl`", "MODE=tls bench/h2-run.sh", true),
            new Row("h2-tls-h2", "HTTP/2 over TLS (ALPN h2)", "MODE=tls-h2 bench/h2-run.sh", false),
            new Row("ws-", "WebSocket messages", "bench/ws-run.sh", true),
            new Row("grpc", "gRPC unary (h2c), nginx `grpc_pass`", "bench/grpc-run.sh", true));

    private Summary() {
    }

    /** {@code doc} with its summary rebuilt; unchanged when its common part has no summary markers. */
    static Results.Document refresh(Results.Document doc) {
        String common = doc.common();
        int s = common.indexOf(START);
        int e = common.indexOf(END);
        if (s < 0 || e < s) {
            return doc;
        }
        return doc.withCommon(common.substring(0, s + START.length()) + "\n" + table(doc) + common.substring(e));
    }

    static String table(Results.Document doc) {
        StringBuilder out = new StringBuilder("""
                Medians over each section's rounds; each ratio divides two figures measured in the same run. Limits that
                a run must stay within to be written here: `bench/thresholds.tsv`, checked by `bench/Check.java`.

                | protocol | section | measured | sidecar CPU µs per request (message, call) | nginx CPU µs per request | CPU ratio | sidecar p50 / p99 ms | sidecar peak RSS MiB |
                | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |
                """);
        for (Row row : ROWS) {
            List<Results.Document.Block> found = doc.blocks().stream()
                    .filter(b -> row.key.endsWith("-") ? b.key().startsWith(row.key) : b.key().equals(row.key))
                    .toList();
            if (found.isEmpty() && row.always) {
                out.append(String.format(Locale.ROOT, "| %s | — | not measured yet (`%s`) | — | — | — | — | — |%n",
                        row.protocol, row.script));
            }
            for (Results.Document.Block b : found) {
                Map<String, String> v = Results.values(b.text());
                String protocol = row.key.equals("ws-") ? row.protocol + ", " + b.key().substring(3) + " bytes"
                        : row.protocol;
                if (v.isEmpty()) {
                    out.append(String.format(Locale.ROOT,
                            "| %s | `%s` | no values line: run `%s` again | — | — | — | — | — |%n", protocol, b.key(),
                            row.script));
                    continue;
                }
                String p50 = v.getOrDefault("sidecar.p50", "—");
                String p99 = v.getOrDefault("sidecar.p99", "—");
                out.append(String.format(Locale.ROOT, "| %s | `%s` | %s | %s | %s | **%s×** | %s | %s |%n",
                        protocol, b.key(), v.getOrDefault("date", "?").replace('_', ' '),
                        v.getOrDefault("sidecar.cpu", "?"), v.getOrDefault("nginx.cpu", "?"),
                        v.getOrDefault("ratio", "?"), p50.equals("—") && p99.equals("—") ? "—" : p50 + " / " + p99,
                        v.getOrDefault("sidecar.rssmax", v.getOrDefault("sidecar.rss", "—"))));
            }
        }
        String costs = accessLogCosts(doc);
        return out.toString().stripTrailing() + (costs.isEmpty() ? "" : "\n" + costs) + "\n";
    }

    /** What an access log costs each proxy, where an auth mode has both sections (from different runs). */
    private static String accessLogCosts(Results.Document doc) {
        StringBuilder costs = new StringBuilder();
        for (String mode : List.of("apikey", "jwt")) {
            Optional<String> offBlock = doc.block("run:" + mode);
            Optional<String> onBlock = doc.block("run:" + mode + "-accesslog");
            if (offBlock.isEmpty() || onBlock.isEmpty()) {
                continue;
            }
            Map<String, String> off = Results.values(offBlock.get());
            Map<String, String> on = Results.values(onBlock.get());
            try {
                double so = num(off, "sidecar.cpu"), sn = num(on, "sidecar.cpu");
                double no = num(off, "nginx.cpu"), nn = num(on, "nginx.cpu");
                costs.append(String.format(Locale.ROOT,
                        "| %s | %.2f → %.2f (%+.2f, %+.0f %%) | %.2f → %.2f (%+.2f, %+.0f %%) | %.2f× → %.2f× | %.0f → %.0f |%n",
                        mode.equals("jwt") ? "JWT RS256" : "API key", so, sn, sn - so, (sn / so - 1) * 100, no, nn,
                        nn - no, (nn / no - 1) * 100, num(off, "ratio"), num(on, "ratio"), num(off, "sidecar.rps"),
                        num(on, "sidecar.rps")));
            } catch (IllegalStateException e) {
                costs.append("| ").append(mode).append(" | ").append(e.getMessage()).append(" | | | |\n");
            }
        }
        if (costs.isEmpty()) {
            return "";
        }
        return """

                What the access log costs (off → on, medians of the two sections; they are separate runs, so part of the
                difference is run-to-run noise):

                | auth mode | sidecar CPU µs/req | nginx CPU µs/req | CPU ratio | sidecar req/s |
                | --- | ---: | ---: | ---: | ---: |
                """ + costs.toString().stripTrailing();
    }

    private static double num(Map<String, String> values, String name) {
        String v = values.get(name);
        try {
            return Double.parseDouble(v);
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalStateException("no number for " + name + " (" + v + ")");
        }
    }
}
