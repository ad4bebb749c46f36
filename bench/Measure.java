import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One measurement of bench/run.sh: warm up, read the proxy's CPU time from /proc, run wrk, read it again, parse
 * wrk's report, and append one line to $WORK/rounds.tsv:
 *
 * <pre>round target rps p50_ms p99_ms cpu_us_per_req user sys jit rss_before_load_mib peak_rss_mib requests errors</pre>
 *
 * Run with the JDK's single-file launcher, no dependencies:
 *
 * <pre>java bench/Measure.java ROUND TARGET URL "PIDS" JVM_PID WARMUP_S [extra wrk args…]</pre>
 *
 * PIDS are the processes whose CPU and peak RSS are the target's ("" for none, the direct target); JVM_PID ("" for
 * none) is a JVM among them whose JIT compiler threads are counted apart. DURATION, WRK_THREADS, WRK_CONNECTIONS,
 * CLK_TCK, WORK and UPSTREAM_PID come from the environment run.sh exports. Exit code 1 with a message when wrk's
 * report cannot be read or a process died during the run: the numbers would mean nothing.
 */
public final class Measure {
    private static final Pattern LATENCY = Pattern.compile("([0-9.]+)(us|ms|s|m)");

    /** Clock ticks of user and system time. */
    record Cpu(long user, long sys) {
        Cpu minus(Cpu before) {
            return new Cpu(user - before.user, sys - before.sys);
        }
    }

    /** What wrk reported; {@code errors} is "none" or what went wrong, as wrk words it. */
    record WrkReport(long requests, String rps, double p50Ms, double p99Ms, String errors) {
    }

    private Measure() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            throw fail("usage: Measure ROUND TARGET URL \"PIDS\" JVM_PID WARMUP_S [wrk args…]");
        }
        String round = args[0];
        String target = args[1];
        String url = args[2];
        List<Long> pids = new ArrayList<>();
        for (String p : args[3].trim().split("\\s+")) {
            if (!p.isEmpty()) {
                pids.add(Long.parseLong(p));
            }
        }
        Long jvm = args[4].isBlank() ? null : Long.parseLong(args[4].trim());
        int warmup = Integer.parseInt(args[5]);
        List<String> extra = List.of(args).subList(6, args.length);
        int duration = Integer.parseInt(env("DURATION"));
        double hz = Double.parseDouble(env("CLK_TCK"));
        Path work = Path.of(env("WORK"));

        // The peak so far is what start-up (and the few probe requests) took, before any load.
        String rssBefore = pids.isEmpty() ? "-" : mib(peakRssKib(pids));

        // Unrecorded warm-up in two wrk runs: the first one's connections close after 1 s, so the connection-close
        // paths are in the JIT's profile early. In one run, the first close would come at the end of the warm-up,
        // hit code C2 compiled without those paths, and the event loop's hot methods would be deoptimized and
        // recompiled during the measured run.
        if (warmup > 0) {
            int first = warmup >= 2 ? 1 : warmup;
            wrk(url, first, extra, false, work.resolve("wrk-round" + round + "-" + target + "-warmup1.txt"));
            if (warmup > first) {
                wrk(url, warmup - first, extra, false, work.resolve("wrk-round" + round + "-" + target + "-warmup2.txt"));
            }
        }

        Map<Long, Long> jitBefore = jvm == null ? Map.of() : jitTicks(jvm);
        Cpu before = cpu(pids);
        Path raw = work.resolve("wrk-round" + round + "-" + target + ".txt");
        wrk(url, duration, extra, true, raw);
        Cpu used = cpu(pids).minus(before);

        // Everything must have stayed up for the whole run.
        String upstream = System.getenv("UPSTREAM_PID");
        if (upstream != null && !upstream.isBlank()) {
            requireAlive(Long.parseLong(upstream), "nginx upstream");
        }
        for (long pid : pids) {
            requireAlive(pid, target);
        }
        Long jit = null;
        if (jvm != null) {
            // Per thread, so that a compiler thread started during the run counts from zero.
            long sum = 0;
            for (Map.Entry<Long, Long> e : jitTicks(jvm).entrySet()) {
                sum += e.getValue() - jitBefore.getOrDefault(e.getKey(), 0L);
            }
            jit = sum;
        }

        WrkReport report = parseWrk(Files.readString(raw), raw);
        String cpu = "-", user = "-", sys = "-", jitUs = "-", rss = "-";
        if (!pids.isEmpty()) {
            cpu = perRequest(used.user + used.sys, report.requests, hz);
            user = perRequest(used.user, report.requests, hz);
            sys = perRequest(used.sys, report.requests, hz);
            jitUs = jit == null ? "-" : perRequest(jit, report.requests, hz);
            rss = mib(peakRssKib(pids));
        }
        String p50 = String.format(Locale.ROOT, "%.3f", report.p50Ms);
        String p99 = String.format(Locale.ROOT, "%.3f", report.p99Ms);
        String line = String.join("\t", round, target, report.rps, p50, p99, cpu, user, sys, jitUs, rssBefore, rss,
                Long.toString(report.requests), report.errors) + "\n";
        Files.writeString(work.resolve("rounds.tsv"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.err.printf("round %s %s: %s req/s, p50 %s ms, p99 %s ms, CPU %s us/req (user %s, sys %s, JIT %s), "
                + "peak RSS %s MiB (%s before load), errors: %s%n", round, target, report.rps, p50, p99, cpu, user,
                sys, jitUs, rss, rssBefore, report.errors);
    }

    /** wrk's report: requests, Requests/sec, the 50 % and 99 % latencies, and its error lines if any. */
    static WrkReport parseWrk(String text, Path from) {
        Matcher requests = Pattern.compile("(?m)^\\s*(\\d+) requests in ").matcher(text);
        Matcher rps = Pattern.compile("(?m)^Requests/sec:\\s+(\\S+)").matcher(text);
        Matcher p50 = Pattern.compile("(?m)^\\s*50%\\s+(\\S+)").matcher(text);
        Matcher p99 = Pattern.compile("(?m)^\\s*99%\\s+(\\S+)").matcher(text);
        if (!requests.find() || !rps.find() || !p50.find() || !p99.find() || Long.parseLong(requests.group(1)) == 0) {
            throw fail("could not read wrk's report (" + from + ")");
        }
        // wrk prints these lines only when the count is not zero.
        List<String> errors = new ArrayList<>();
        Matcher non2xx = Pattern.compile("(?m)^\\s*Non-2xx or 3xx responses: (.*)$").matcher(text);
        if (non2xx.find()) {
            errors.add("non-2xx/3xx: " + non2xx.group(1).strip());
        }
        Matcher socket = Pattern.compile("(?m)^\\s*Socket errors: (.*)$").matcher(text);
        if (socket.find()) {
            errors.add("socket errors: " + socket.group(1).strip());
        }
        return new WrkReport(Long.parseLong(requests.group(1)), rps.group(1), toMs(p50.group(1)), toMs(p99.group(1)),
                errors.isEmpty() ? "none" : String.join("; ", errors));
    }

    /** wrk's latency with its unit (812.00us, 1.20ms, 2.01s, 1.00m) in milliseconds. */
    static double toMs(String value) {
        Matcher m = LATENCY.matcher(value);
        if (!m.matches()) {
            throw fail("not a wrk latency: " + value);
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            default -> v * 60_000;
        };
    }

    /** {@code ticks} clock ticks spread over {@code requests} requests, in microseconds per request. */
    static String perRequest(long ticks, long requests, double hz) {
        return String.format(Locale.ROOT, "%.2f", ticks / hz * 1e6 / requests);
    }

    private static void wrk(String url, int seconds, List<String> extra, boolean latency, Path out)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + env("WRK_THREADS"), "-c" + env("WRK_CONNECTIONS"),
                "-d" + seconds + "s"));
        if (latency) {
            cmd.add("--latency");
        }
        cmd.addAll(extra);
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        // Only a safety net: wrk stops on its own after the duration.
        if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw fail("wrk did not finish within " + (seconds + 30) + " s (" + out + ")");
        }
        if (p.exitValue() != 0) {
            throw fail("wrk exited with " + p.exitValue() + " (" + out + ")");
        }
    }

    /**
     * User and system time of the processes, all threads included (JIT and GC for a JVM). In /proc/PID/stat the
     * fields after the ')' that closes the command name start with the state; utime and stime are the 12th and
     * 13th of them.
     */
    static Cpu cpu(List<Long> pids) throws IOException {
        long user = 0, sys = 0;
        for (long pid : pids) {
            String[] f = statFields(Path.of("/proc/" + pid + "/stat"));
            user += Long.parseLong(f[11]);
            sys += Long.parseLong(f[12]);
        }
        return new Cpu(user, sys);
    }

    /** utime + stime of each JIT compiler thread of the JVM, by thread id. */
    static Map<Long, Long> jitTicks(long jvm) throws IOException {
        Map<Long, Long> out = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + jvm + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm;
                String[] f;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                    f = statFields(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended between listing and reading
                }
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    out.put(Long.parseLong(task.getFileName().toString()),
                            Long.parseLong(f[11]) + Long.parseLong(f[12]));
                }
            }
        }
        return out;
    }

    /** Peak resident set (VmHWM) in KiB, summed over the processes. */
    static long peakRssKib(List<Long> pids) throws IOException {
        long total = 0;
        for (long pid : pids) {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    total += Long.parseLong(line.substring(6).strip().split("\\s+")[0]);
                }
            }
        }
        return total;
    }

    private static String[] statFields(Path stat) throws IOException {
        String s = Files.readString(stat);
        return s.substring(s.lastIndexOf(')') + 2).strip().split("\\s+");
    }

    /** Running, and not a zombie: a child that exited stays a zombie until its parent waits for it. */
    private static void requireAlive(long pid, String name) {
        try {
            if (!statFields(Path.of("/proc/" + pid + "/stat"))[0].equals("Z")) {
                return;
            }
        } catch (IOException gone) {
            // falls through: no such process
        }
        throw fail(name + " (pid " + pid + ") is no longer running (see " + System.getenv("WORK") + ")");
    }

    private static String mib(long kib) {
        return String.format(Locale.ROOT, "%.1f", kib / 1024.0);
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw fail("environment variable " + name + " is not set (run.sh exports it)");
        }
        return v;
    }

    private static IllegalStateException fail(String message) {
        System.err.println("Measure: " + message);
        System.exit(1);
        return new IllegalStateException(message);
    }
}
