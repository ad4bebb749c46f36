package dev.authsidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON results ({@code -rf json}) into the Markdown tables of {@code bench/RESULTS.md}: every result,
 * then the targets with a verdict. Run by {@code bench/jmh/run.sh}: {@code java -cp benchmarks.jar
 * dev.authsidecar.bench.Report results.json}.
 */
public final class Report {
    static final double CACHE_HIT_TARGET_NS = 1_000;
    static final double RS256_TARGET_US = 50;

    private record Result(String benchmark, String params, double ns, double errorNs, double bytesPerOp) {
        String shortName() {
            String[] parts = benchmark.split("\\.");
            return parts[parts.length - 2] + "." + parts[parts.length - 1];
        }
    }

    private Report() {}

    public static void main(String[] args) throws IOException {
        List<Result> results = read(Path.of(args[0]));
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | params | time per op | ± (99.9 %) | allocated per op |\n");
        out.append("| --- | --- | ---: | ---: | ---: |\n");
        for (Result r : results) {
            out.append("| ")
                    .append(r.shortName())
                    .append(" | ")
                    .append(r.params().isEmpty() ? "—" : r.params())
                    .append(" | ")
                    .append(time(r.ns()))
                    .append(" | ")
                    .append(time(r.errorNs()))
                    .append(" | ")
                    .append(Double.isNaN(r.bytesPerOp()) ? "—" : String.format(Locale.ROOT, "%.0f B", r.bytesPerOp()))
                    .append(" |\n");
        }
        out.append("\n### Against the targets\n\n");
        out.append("| target (issue #3) | measured | verdict |\n| --- | --- | --- |\n");
        Result hit = find(results, "CacheHitBenchmark.authenticateCachedJwt", "");
        if (hit != null) {
            out.append("| cache hit (`Authentication.authenticate`, JWT already verified) ≤ 1 µs | ")
                    .append(time(hit.ns()))
                    .append(" | **")
                    .append(hit.ns() <= CACHE_HIT_TARGET_NS ? "PASS" : "FAIL")
                    .append("** |\n");
        }
        Result remembered = find(results, "CacheHitBenchmark.authenticateRememberedJwt", "");
        if (remembered != null) {
            out.append("| same token again on a keep-alive connection (per-connection memo) ≤ 1 µs | ")
                    .append(time(remembered.ns()))
                    .append(" | **")
                    .append(remembered.ns() <= CACHE_HIT_TARGET_NS ? "PASS" : "FAIL")
                    .append("** |\n");
        }
        Result rs256 = find(results, "JwtVerifyBenchmark.verify", "alg=RS256");
        if (rs256 != null) {
            out.append("| RS256 verification, cache miss (`JwtAuthenticator.authenticate`) ≤ 50 µs | ")
                    .append(time(rs256.ns()))
                    .append(" | **")
                    .append(rs256.ns() <= RS256_TARGET_US * 1000 ? "PASS" : "FAIL")
                    .append("** |\n");
        }
        for (String alg : List.of("PS256", "ES256", "EdDSA")) {
            Result r = find(results, "JwtVerifyBenchmark.verify", "alg=" + alg);
            if (r != null) {
                out.append("| ")
                        .append(alg)
                        .append(" verification, cache miss: measure it | ")
                        .append(time(r.ns()));
                if (rs256 != null) {
                    out.append(String.format(Locale.ROOT, " (%.1f× RS256)", r.ns() / rs256.ns()));
                }
                out.append(" | measured |\n");
            }
        }
        out.append("\nShare of a cache miss spent on the signature alone (`JwtBreakdownBenchmark.signatureOnly` ÷ "
                + "`JwtVerifyBenchmark.verify`):");
        for (String alg : Tokens.ALGORITHMS) {
            Result all = find(results, "JwtVerifyBenchmark.verify", "alg=" + alg);
            Result sig = find(results, "JwtBreakdownBenchmark.signatureOnly", "alg=" + alg);
            if (all != null && sig != null) {
                out.append(String.format(Locale.ROOT, " %s %.0f %%,", alg, 100 * sig.ns() / all.ns()));
            }
        }
        out.setLength(out.length() - 1);
        out.append(".\n");
        System.out.print(out);
    }

    private static List<Result> read(Path file) throws IOException {
        List<Result> out = new ArrayList<>();
        for (JsonNode run : new ObjectMapper().readTree(file.toFile())) {
            Map<String, String> params = new LinkedHashMap<>();
            JsonNode p = run.path("params");
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                params.put(e.getKey(), e.getValue().asText());
            }
            StringBuilder ps = new StringBuilder();
            params.forEach((k, v) -> ps.append(ps.length() == 0 ? "" : ", ")
                    .append(k)
                    .append('=')
                    .append(v));
            JsonNode primary = run.path("primaryMetric");
            double scale = nanosPer(primary.path("scoreUnit").asText());
            JsonNode alloc = run.path("secondaryMetrics").path("gc.alloc.rate.norm");
            out.add(new Result(
                    run.path("benchmark").asText(),
                    ps.toString(),
                    primary.path("score").asDouble() * scale,
                    primary.path("scoreError").asDouble() * scale,
                    alloc.isMissingNode() ? Double.NaN : alloc.path("score").asDouble()));
        }
        return out;
    }

    private static double nanosPer(String unit) {
        return switch (unit) {
            case "ns/op" -> 1;
            case "us/op" -> 1_000;
            case "ms/op" -> 1_000_000;
            case "s/op" -> 1_000_000_000;
            default -> throw new IllegalArgumentException("unexpected unit " + unit);
        };
    }

    private static Result find(List<Result> results, String suffix, String params) {
        for (Result r : results) {
            if (r.benchmark().endsWith(suffix) && r.params().equals(params)) {
                return r;
            }
        }
        return null;
    }

    private static String time(double ns) {
        if (Double.isNaN(ns)) {
            return "—";
        }
        return ns < 1_000
                ? String.format(Locale.ROOT, "%.0f ns", ns)
                : String.format(Locale.ROOT, "%.1f µs", ns / 1000);
    }
}
