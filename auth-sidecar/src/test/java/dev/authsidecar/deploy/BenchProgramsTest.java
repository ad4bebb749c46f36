package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/Measure.java and bench/Results.java, run as the bench scripts run them: processes started with the JDK's
 * single-file launcher. Measure runs against a stand-in {@code wrk} (a script printing a canned report) and reads
 * this JVM's own /proc entries; Results writes into a RESULTS.md holding other scripts' sections.
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "the bench reads /proc, as the benchmark does")
class BenchProgramsTest {
    private static final Path ROOT = Manifests.repoRoot();
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private static final String WRK_REPORT = """
            Running 3s test @ http://127.0.0.1:18081/ping
              1 threads and 32 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.02ms  812.00us   9.31ms   90.00%
              Latency Distribution
                 50%  812.00us
                 75%    1.10ms
                 90%    1.90ms
                 99%    2.01s
              52334 requests in 3.00s, 7.34MB read
              Non-2xx or 3xx responses: 5
              Socket errors: connect 0, read 1, write 0, timeout 0
            Requests/sec:  17428.73
            Transfer/sec:      2.45MB
            """;

    record Run(int exit, String output) {}

    /** The benchmark measures what the image runs: it has no JVM flag list of its own, it reads the Dockerfile's. */
    @Test
    void jvmFlagsAreTheSidecarImagesOptions() throws Exception {
        Run run = run(
                List.of(
                        JAVA,
                        ROOT.resolve("bench/Results.java").toString(),
                        "jvm-flags",
                        ROOT.resolve("Dockerfile").toString()),
                Map.of(),
                ROOT);
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(List.of(run.output().strip().split("\\s+")))
                .containsExactlyElementsOf(
                        Dockerfile.image(ROOT, "auth-sidecar").javaOptionsOutsideTheImage())
                .contains("-XX:+UseSerialGC", "-XX:FreqInlineSize=100", "-XX:+ExitOnOutOfMemoryError");
        try (Stream<Path> scripts = Files.walk(ROOT.resolve("bench"))) {
            for (Path script : scripts.filter(p -> p.toString().endsWith(".sh")).toList()) {
                assertThat(Files.readString(script))
                        .as(script + ": JVM flags come from the Dockerfile only")
                        .doesNotContain("-Xmn6m", "-XX:FreqInlineSize=100");
            }
        }
    }

    @Test
    void spliceReplacesItsSectionInPlaceAndKeepsEveryOtherByte(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("RESULTS.md");
        String common = "# results\n\nthe common part\n\n";
        String run = "<!-- run:apikey:start -->\n## API key\n<!-- run:apikey:end -->\n\n";
        String jmh = "<!-- jmh:start -->\n## JMH\nold\n<!-- jmh:end -->\n\n";
        String ws = "<!-- ws-128:start -->\n## WS\n<!-- ws-128:end -->\n";
        Files.writeString(results, common + run + jmh + ws);

        Path section = dir.resolve("section.md");
        Files.writeString(section, "<!-- jmh:start -->\n## JMH\nnew\n<!-- jmh:end -->\n");
        assertThat(splice(results, "jmh", section).exit()).isZero();
        assertThat(Files.readString(results))
                .isEqualTo(common + run + "<!-- jmh:start -->\n## JMH\nnew\n<!-- jmh:end -->\n\n" + ws);

        // A new section of a family that has one goes after it; of a new family, at the end.
        Files.writeString(section, "<!-- ws-16384:start -->\n## WS large\n<!-- ws-16384:end -->\n");
        assertThat(splice(results, "ws-16384", section).exit()).isZero();
        Files.writeString(section, "<!-- h2-tls:start -->\n## h2\n<!-- h2-tls:end -->\n");
        assertThat(splice(results, "h2-tls", section).exit()).isZero();
        String text = Files.readString(results);
        assertThat(text)
                .startsWith(common + run)
                .endsWith("<!-- ws-128:end -->\n\n"
                        + "<!-- ws-16384:start -->\n## WS large\n<!-- ws-16384:end -->\n\n"
                        + "<!-- h2-tls:start -->\n## h2\n<!-- h2-tls:end -->\n");

        // A section file for another key is refused, and the file is left alone.
        Run wrong = splice(results, "run:jwt", section);
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.output()).contains("does not start with <!-- run:jwt:start -->");
        assertThat(Files.readString(results)).isEqualTo(text);
    }

    @Test
    void measureParsesWrksReportAndReadsTheProcessesCpuAndPeakMemory(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path bin = fakeWrk(dir, WRK_REPORT);
        long self = ProcessHandle.current().pid();
        Run run = run(
                List.of(
                        JAVA,
                        ROOT.resolve("bench/Measure.java").toString(),
                        "2",
                        "sidecar",
                        "http://127.0.0.1:1/ping",
                        Long.toString(self),
                        Long.toString(self),
                        "0",
                        "-H",
                        "Authorization: x"),
                measureEnv(work, bin),
                dir);
        assertThat(run.exit()).as(run.output()).isZero();

        String[] row = Files.readString(work.resolve("rounds.tsv")).strip().split("\t", -1);
        assertThat(row).hasSize(13);
        assertThat(List.of(row).subList(0, 5)).containsExactly("2", "sidecar", "17428.73", "0.812", "2010.000");
        for (int cpuColumn = 5; cpuColumn <= 8; cpuColumn++) {
            assertThat(Double.parseDouble(row[cpuColumn]))
                    .as("CPU column " + cpuColumn)
                    .isNotNegative();
        }
        assertThat(Double.parseDouble(row[10])).as("this JVM's peak RSS in MiB").isGreaterThan(10);
        assertThat(row[11]).isEqualTo("52334");
        assertThat(row[12]).isEqualTo("non-2xx/3xx: 5; socket errors: connect 0, read 1, write 0, timeout 0");
        assertThat(Files.readString(work.resolve("wrk-round2-sidecar.txt"))).isEqualTo(WRK_REPORT);
    }

    @Test
    void measureRefusesAReportItCannotRead(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path bin = fakeWrk(dir, "unable to connect to 127.0.0.1:1 Connection refused\n");
        Run run = run(
                List.of(
                        JAVA,
                        ROOT.resolve("bench/Measure.java").toString(),
                        "1",
                        "direct",
                        "http://127.0.0.1:1/ping",
                        "",
                        "",
                        "0"),
                measureEnv(work, bin),
                dir);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("could not read wrk's report");
        assertThat(work.resolve("rounds.tsv")).doesNotExist();
    }

    @Test
    void runReportWritesItsSectionAndTheSummaryAndKeepsTheOtherSections(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(
                work.resolve("rounds.tsv"),
                String.join(
                                "\n",
                                row(1, "direct", "90000.00", "-", "-", "-"),
                                row(1, "sidecar", "27000.00", "30.00", "1.00", "84.0"),
                                row(1, "nginx", "38000.00", "20.00", "-", "11.4"),
                                row(2, "direct", "91000.00", "-", "-", "-"),
                                row(2, "nginx", "39000.00", "24.00", "-", "11.5"),
                                row(2, "sidecar", "28000.00", "34.00", "2.00", "86.0"))
                        + "\n");
        Files.writeString(work.resolve("sidecar.yaml"), "auth:\n  apiKeys:\n    - name: bench\n      sha256: abc\n");
        Files.writeString(work.resolve("nginx-peer.conf"), "pid " + work + "/peer/nginx.pid;\n");
        Files.writeString(work.resolve("nginx-upstream.conf"), "pid " + work + "/upstream/nginx.pid;\n");
        Path results = dir.resolve("RESULTS.md");
        String jmh = "<!-- jmh:start -->\n## JMH\n<!-- jmh:end -->\n";
        Files.writeString(results, "# old common part\n\n" + jmh);

        Map<String, String> env = new HashMap<>(Map.ofEntries(
                Map.entry("AUTH", "apikey"),
                Map.entry("ACCESS_LOG", "off"),
                Map.entry("ROUNDS", "2"),
                Map.entry("DURATION", "10"),
                Map.entry("WARMUP", "3"),
                Map.entry("SIDECAR_WARMUP", "8"),
                Map.entry("HOST", "127.0.0.1"),
                Map.entry("UPSTREAM_PORT", "18080"),
                Map.entry("SIDECAR_PORT", "18081"),
                Map.entry("PEER_PORT", "18082"),
                Map.entry("WRK_THREADS", "1"),
                Map.entry("WRK_CONNECTIONS", "32"),
                Map.entry("JAVA", JAVA),
                Map.entry("NGINX", "true"),
                Map.entry("SIDECAR_JVM_FLAGS", "-Xmx48m"),
                Map.entry("JAR_SHA", "0123456789ab"),
                Map.entry("JAR_BUILT", "today"),
                Map.entry("GIT_HEAD", "abc"),
                Map.entry("GIT_DIRTY", "0"),
                Map.entry("LOADAVG_START", "0.1 0.2 0.3"),
                Map.entry("CLK_TCK", "100"),
                Map.entry("TARGET_CPU_RATIO", "1.5"),
                Map.entry("TARGET_RSS_MIB", "96"),
                Map.entry("WORK", work.toString()),
                Map.entry("RESULTS", results.toString())));
        Run report = run(List.of(JAVA, ROOT.resolve("bench/RunReport.java").toString()), env, dir);
        assertThat(report.exit()).as(report.output()).isZero();
        assertThat(Files.readString(results))
                .as("RunReport writes to the work dir only")
                .isEqualTo("# old common part\n\n" + jmh);
        Path section = work.resolve("section.md");
        Run spliced = run(
                List.of(
                        JAVA,
                        ROOT.resolve("bench/Results.java").toString(),
                        "splice",
                        results.toString(),
                        "run:apikey",
                        section.toString(),
                        work.resolve("common.md").toString()),
                Map.of(),
                dir);
        assertThat(spliced.exit()).as(spliced.output()).isZero();

        String text = Files.readString(results);
        // Medians of two rounds: the mean of the two. CPU ratio 32.00 / 22.00 = 1.45: under 1.5.
        assertThat(text)
                .startsWith("# auth-sidecar benchmark results\n")
                .doesNotContain("# old common part")
                .containsPattern(
                        "\\| HTTP/1\\.1, API key \\| `run:apikey` \\| \\d{4}-\\d\\d-\\d\\d [0-9:]+ UTC \\| 32\\.00 \\| 22\\.00 "
                                + "\\| \\*\\*1\\.45×\\*\\* \\| 1\\.00 / 5\\.00 \\| 86\\.0 \\|")
                .contains("| HTTP/2 (h2c), nginx `http2` | — | not measured yet (`bench/h2-run.sh`) |")
                .contains("CPU/request ≤ 1.5× nginx's | 1.45× (32.00 vs 22.00 µs/req, medians)")
                .contains("per round: round 1: 1.50, round 2: 1.42")
                .contains("sha256: <sha256 of a random key made for this run>")
                .contains("pid <workdir>/peer/nginx.pid;")
                .doesNotContain(work.toString())
                .endsWith("<!-- run:apikey:end -->\n\n" + jmh);
        assertThat(text.indexOf("<!-- run:apikey:start -->")).isGreaterThan(text.indexOf("## Caveats"));
        assertThat(Files.readString(section)).startsWith("<!-- run:apikey:start -->\n");
    }

    /** Another script's section updates the summary's row for its protocol, and the rest of the file stays. */
    @Test
    void everySplicedSectionUpdatesItsProtocolsRowInTheSummary(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("RESULTS.md");
        String common = "# results\n\n## Summary\n\n"
                + "<!-- summary: written by bench/Results.java from each section's values line -->\nold table\n"
                + "<!-- summary end -->\n\n## Machine\n\n";
        String ws = "<!-- ws-128:start -->\n<!-- values: date=2026-12-01_10:00:00_UTC sidecar.cpu=20.00 "
                + "nginx.cpu=16.00 sidecar.rss=80 ratio=1.25 -->\n## WS\n<!-- ws-128:end -->\n";
        Files.writeString(results, common + ws);

        Path section = Files.writeString(
                dir.resolve("section.md"),
                "<!-- h2-tls:start -->\n<!-- values: date=2026-12-02_11:00:00_UTC sidecar=sidecar-openssl "
                        + "sidecar.cpu=38.21 sidecar.rss=97.5 nginx.cpu=33.02 ratio=1.16 ratio.sidecar-jdk=1.60 -->\n"
                        + "### TLS\n<!-- h2-tls:end -->\n");
        assertThat(splice(results, "h2-tls", section).exit()).isZero();

        String text = Files.readString(results);
        assertThat(text)
                .startsWith("# results\n\n## Summary\n\n<!-- summary: ")
                .doesNotContain("old table")
                .contains(
                        "| TLS keep-alive (HTTP/1.1), nginx `ssl` | `h2-tls` | 2026-12-02 11:00:00 UTC | 38.21 | 33.02 "
                                + "| **1.16×** | — | 97.5 |")
                .contains("| WebSocket messages, 128 bytes | `ws-128` | 2026-12-01 10:00:00 UTC | 20.00 | 16.00 "
                        + "| **1.25×** | — | 80 |")
                .contains("| gRPC unary (h2c), nginx `grpc_pass` | — | not measured yet (`bench/grpc-run.sh`) |")
                .contains("<!-- summary end -->\n\n## Machine\n\n" + ws)
                .endsWith("<!-- h2-tls:start -->\n<!-- values: date=2026-12-02_11:00:00_UTC sidecar=sidecar-openssl "
                        + "sidecar.cpu=38.21 sidecar.rss=97.5 nginx.cpu=33.02 ratio=1.16 ratio.sidecar-jdk=1.60 -->\n"
                        + "### TLS\n<!-- h2-tls:end -->\n");
        assertThat(text.indexOf("| HTTP/1.1, API key |"))
                .as("one row per protocol, in a fixed order")
                .isLessThan(text.indexOf("| TLS keep-alive"));
        assertThat(text.indexOf("| TLS keep-alive")).isLessThan(text.indexOf("| WebSocket messages"));
    }

    /** The guard on fixed figures: within, past and without a limit; '*' in a section key; a figure missing. */
    @Test
    void checkFailsWithOneLinePerBreachAndPassesWithinTheLimits(@TempDir Path dir) throws Exception {
        Path limits = Files.writeString(
                dir.resolve("thresholds.tsv"),
                "# section\tmetric\tmax\twhat\n"
                        + "run:apikey\tratio\t1.20\tCPU vs nginx\n"
                        + "run:apikey\tsidecar.rssmax\t64\tpeak RSS MiB\n"
                        + "ws-*\tratio\t1.30\tCPU per message vs nginx\n");
        Path within = Files.writeString(
                dir.resolve("within.md"),
                "<!-- run:apikey:start -->\n<!-- values: ratio=1.19 sidecar.rssmax=63.9 -->\n<!-- run:apikey:end -->\n");
        Run ok = check(limits, within);
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output())
                .contains("ok     run:apikey: ratio = 1.19 <= 1.20 (CPU vs nginx)")
                .contains("ok     run:apikey: sidecar.rssmax = 63.90 <= 64.00 (peak RSS MiB)");

        Path results = Files.writeString(
                dir.resolve("RESULTS.md"),
                "# results\n\n<!-- run:apikey:start -->\n<!-- values: ratio=1.37 sidecar.rssmax=63 -->\n"
                        + "<!-- run:apikey:end -->\n\n<!-- ws-16384:start -->\n<!-- values: ratio=1.31 -->\n"
                        + "<!-- ws-16384:end -->\n\n<!-- jmh:start -->\nno figures\n<!-- jmh:end -->\n\n"
                        + "<!-- ws-128:start -->\n## no values line\n<!-- ws-128:end -->\n");
        Run breach = check(limits, results);
        assertThat(breach.exit()).isEqualTo(1);
        assertThat(breach.output().lines())
                .containsExactly(
                        "BREACH run:apikey: ratio = 1.37 > 1.20 (CPU vs nginx)",
                        "ok     run:apikey: sidecar.rssmax = 63.00 <= 64.00 (peak RSS MiB)",
                        "BREACH ws-16384: ratio = 1.31 > 1.30 (CPU per message vs nginx)",
                        "-      jmh: no limits in the thresholds file",
                        "FAIL   ws-128: ratio is missing from its values line; the limit is 1.30 (CPU per message vs nginx)");

        Path malformed = Files.writeString(dir.resolve("bad.tsv"), "run:apikey\tratio\tlots\twhat\n");
        Run bad = check(malformed, within);
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("bad.tsv:1: max is not a number: 'lots'");
    }

    /** The repository's own limits file parses, and names a limit for each protocol of the summary. */
    @Test
    void theThresholdsFileCoversEveryProtocol(@TempDir Path dir) throws Exception {
        StringBuilder sections = new StringBuilder();
        for (String key : List.of("run:apikey", "run:jwt", "h2-h2c", "h2-tls", "ws-128", "grpc")) {
            sections.append("<!-- ")
                    .append(key)
                    .append(":start -->\n<!-- values: ratio=0.5 sidecar.rssmax=1 -->\n")
                    .append("<!-- ")
                    .append(key)
                    .append(":end -->\n");
        }
        Run run = check(ROOT.resolve("bench/thresholds.tsv"), Files.writeString(dir.resolve("s.md"), sections));
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).doesNotContain("no limits");
    }

    /**
     * bench/lib.sh's guard_and_splice, as the ws, h2 and gRPC scripts call it: a run past a limit is not written, the
     * script fails and says where the run is; GUARD=off writes it anyway.
     */
    @Test
    void aRunPastItsLimitIsNotWrittenUnlessTheGuardIsOff(@TempDir Path dir) throws Exception {
        Path results = Files.writeString(dir.resolve("RESULTS.md"), "# results\n");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path section = Files.writeString(
                work.resolve("section.md"),
                "<!-- ws-128:start -->\n<!-- values: ratio=9.99 -->\n## WS\n<!-- ws-128:end -->\n");
        String script = "BENCH_NAME=test; source '" + ROOT.resolve("bench/lib.sh") + "'; guard_and_splice ws-128 '"
                + section + "'";
        Map<String, String> env = new HashMap<>(Map.of(
                "JAVA_HOME", System.getProperty("java.home"),
                "SIDECAR_JVM_FLAGS", "-Xmx48m",
                "RESULTS", results.toString(),
                "WORK", work.toString()));

        Run refused = run(List.of("bash", "-c", script), env, dir);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output())
                .contains("BREACH ws-128: ratio = 9.99 > 1.35")
                .contains("the guard failed (above): " + results + " was not updated; this run is in " + work);
        assertThat(Files.readString(results)).isEqualTo("# results\n");

        env.put("GUARD", "off");
        Run forced = run(List.of("bash", "-c", script), env, dir);
        assertThat(forced.exit()).as(forced.output()).isZero();
        assertThat(Files.readString(results)).contains("<!-- ws-128:start -->");
    }

    private static Run check(Path thresholds, Path file) throws Exception {
        return run(
                List.of(JAVA, ROOT.resolve("bench/Check.java").toString(), thresholds.toString(), file.toString()),
                Map.of(),
                file.getParent());
    }

    private static String row(int round, String target, String rps, String cpu, String jit, String rss) {
        return String.join(
                "\t",
                Integer.toString(round),
                target,
                rps,
                "1.000",
                "5.000",
                cpu,
                cpu,
                "0.00",
                jit,
                rss.equals("-") ? "-" : "76.0",
                rss,
                "100000",
                "none");
    }

    private static Run splice(Path results, String key, Path section) throws Exception {
        return run(
                List.of(
                        JAVA,
                        ROOT.resolve("bench/Results.java").toString(),
                        "splice",
                        results.toString(),
                        key,
                        section.toString()),
                Map.of(),
                results.getParent());
    }

    /** A folder holding a `wrk` that prints {@code report}, whatever it is asked. */
    private static Path fakeWrk(Path dir, String report) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path canned = Files.writeString(dir.resolve("wrk-report.txt"), report);
        Path wrk = bin.resolve("wrk");
        Files.writeString(wrk, "#!/bin/sh\ncat '" + canned + "'\n");
        Files.setPosixFilePermissions(wrk, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private static Map<String, String> measureEnv(Path work, Path bin) {
        return Map.of(
                "DURATION",
                "1",
                "WRK_THREADS",
                "1",
                "WRK_CONNECTIONS",
                "32",
                "CLK_TCK",
                "100",
                "WORK",
                work.toString(),
                "PATH",
                bin + ":" + System.getenv("PATH"));
    }

    private static Run run(List<String> command, Map<String, String> env, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                .directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished: " + command).isTrue();
        return new Run(p.exitValue(), out);
    }
}
