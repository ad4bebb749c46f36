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
 * bench/run.sh's text for RESULTS.md: its section (run:AUTH[-accesslog]) from $WORK/rounds.tsv into
 * $WORK/section.md, and the common part (machine, method, caveats) into $WORK/common.md, with an empty summary that
 * bench/Results.java fills from every section when it splices them in. bench/run.sh runs bench/Check.java on the
 * section in between. Settings come from the environment bench/run.sh exports; the nginx configs and sidecar.yaml
 * from $WORK.
 *
 * <pre>
 * java bench/RunReport.java
 * </pre>
 */
public final class RunReport {
    private static final List<String> TARGETS = List.of("direct", "sidecar", "nginx");
    /** rounds.tsv columns (0-based). */
    private static final int ROUND = 0, TARGET = 1, RPS = 2, CPU = 5, JIT = 8, RSS = 10, ERRORS = 12;
    private static final String[] MEDIANS = {"rps", "p50", "p99", "cpu", "user", "sys", "jit", "rss0", "rss"};

    private final Map<String, String> env = System.getenv();
    private final Path work = Path.of(get("WORK"));
    private final List<String[]> rows = new ArrayList<>();
    private final Map<String, String> v = new LinkedHashMap<>();

    private RunReport() throws IOException {
        for (String line : Files.readAllLines(work.resolve("rounds.tsv"))) {
            if (!line.isBlank()) {
                rows.add(line.split("\t", -1));
            }
        }
        for (String t : TARGETS) {
            if (rows.stream().noneMatch(r -> r[TARGET].equals(t))) {
                throw new IllegalStateException(work.resolve("rounds.tsv") + " has no round of " + t);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            new RunReport().run();
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            System.err.println("RunReport: " + e.getMessage());
            System.exit(1);
        }
    }

    private void run() throws Exception {
        for (String name : List.of("AUTH", "ACCESS_LOG", "ROUNDS", "DURATION", "WARMUP", "SIDECAR_WARMUP", "HOST",
                "UPSTREAM_PORT", "SIDECAR_PORT", "PEER_PORT", "WRK_THREADS", "WRK_CONNECTIONS", "JAVA",
                "SIDECAR_JVM_FLAGS", "JAR_SHA", "JAR_BUILT", "GIT_HEAD", "LOADAVG_START", "CLK_TCK",
                "TARGET_CPU_RATIO", "TARGET_RSS_MIB")) {
            v.put(name, get(name));
        }
        String key = "run:" + get("AUTH") + (get("ACCESS_LOG").equals("on") ? "-accesslog" : "");
        v.put("date", command(List.of("date", "-u", "+%Y-%m-%d %H:%M:%S UTC")));
        v.put("java_version", String.join("; ", command(List.of(get("JAVA"), "-version")).split("\n")));
        v.put("loadavg_end", String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3)));
        int dirty = Integer.parseInt(env.getOrDefault("GIT_DIRTY", "0").isBlank() ? "0" : env.get("GIT_DIRTY"));
        v.put("dirty", dirty == 0 ? "" : " + " + dirty + " uncommitted change(s) under auth-sidecar/");

        for (String t : TARGETS) {
            for (int i = 0; i < MEDIANS.length; i++) {
                v.put(t + "." + MEDIANS[i], median(t, 2 + i));
            }
        }
        double sidecarCpu = Double.parseDouble(v.get("sidecar.cpu"));
        double nginxCpu = Double.parseDouble(v.get("nginx.cpu"));
        double target = Double.parseDouble(get("TARGET_CPU_RATIO"));
        double ratio = sidecarCpu / nginxCpu;
        v.put("ratio", f2(ratio));
        String rssMax = rows.stream().filter(r -> r[TARGET].equals("sidecar") && !r[RSS].equals("-"))
                .map(r -> r[RSS]).max((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)))
                .orElse("-");
        v.put("rss_max", rssMax);
        v.put("cpu_verdict", Double.parseDouble(v.get("ratio")) <= target ? "PASS" : "FAIL");
        v.put("rss_verdict", Double.parseDouble(rssMax) <= Double.parseDouble(get("TARGET_RSS_MIB")) ? "PASS" : "FAIL");
        List<Double> noJit = new ArrayList<>();
        for (String[] r : rows) {
            if (r[TARGET].equals("sidecar")) {
                noJit.add(num(r[CPU]) - (r[JIT].equals("-") ? 0 : num(r[JIT])));
            }
        }
        double sidecarNoJit = median(noJit);
        v.put("sidecar_nojit", f2(sidecarNoJit));
        v.put("ratio_nojit", f2(sidecarNoJit / nginxCpu));

        // Per-round ratios show whether the median ratio is typical or one lucky round.
        Map<String, Double> sidecar = perRound("sidecar", CPU);
        Map<String, Double> nginx = perRound("nginx", CPU);
        List<String> roundRatios = new ArrayList<>();
        int over = 0;
        for (Map.Entry<String, Double> e : sidecar.entrySet()) {
            double r = e.getValue() / nginx.get(e.getKey());
            roundRatios.add("round " + e.getKey() + ": " + f2(r));
            over += r > target ? 1 : 0;
        }
        v.put("round_ratios", String.join(", ", roundRatios));
        v.put("rounds_over", Integer.toString(over));

        List<String> errors = new ArrayList<>();
        for (String[] r : rows) {
            if (!r[ERRORS].equals("none")) {
                errors.add("- round " + r[ROUND] + ", " + r[TARGET] + ": " + r[ERRORS]);
            }
        }

        // The direct target (the upstream alone) is the machine's speedometer: when it moves a lot between rounds,
        // the machine was busier in some rounds, which raises both proxies' CPU per request (mostly sys), not by
        // the same amount, and so moves the ratio too.
        List<String> notes = new ArrayList<>();
        Path notesFile = work.resolve("notes.txt");
        if (Files.exists(notesFile)) {
            Files.readAllLines(notesFile).stream().filter(l -> !l.isBlank()).forEach(notes::add);
        }
        double min = Double.MAX_VALUE, max = 0;
        for (String[] r : rows) {
            if (r[TARGET].equals("direct")) {
                min = Math.min(min, num(r[RPS]));
                max = Math.max(max, num(r[RPS]));
            }
        }
        if (max > 0 && (max - min) / max > 0.15) {
            notes.add(String.format(Locale.ROOT, "The machine was not equally fast in every round: the direct target"
                    + " (the upstream alone) ranged from %.0f to %.0f req/s. Rounds on a busier machine raise both"
                    + " proxies' CPU per request (mostly sys), not by the same amount, so the CPU ratio moves with"
                    + " it; compare the per-round ratios of the rounds where direct is fastest.", min, max));
        }

        String section = section(key, errors, notes);
        Files.writeString(work.resolve("section.md"), section + "\n");
        Files.writeString(work.resolve("common.md"), common());

        System.err.printf("%s medians: direct %s req/s | sidecar %s req/s, p50 %s p99 %s ms, %s us/req (JIT %s), %s MiB"
                + " | nginx %s req/s, p50 %s p99 %s ms, %s us/req, %s MiB%n", key, v.get("direct.rps"),
                v.get("sidecar.rps"), v.get("sidecar.p50"), v.get("sidecar.p99"), v.get("sidecar.cpu"),
                v.get("sidecar.jit"), v.get("sidecar.rss"), v.get("nginx.rps"), v.get("nginx.p50"), v.get("nginx.p99"),
                v.get("nginx.cpu"), v.get("nginx.rss"));
        System.err.printf("CPU ratio sidecar/nginx %sx (target <= %sx): %s (%s of %s rounds over; per round: %s);"
                + " sidecar peak RSS %s MiB (target <= %s): %s%n", v.get("ratio"), get("TARGET_CPU_RATIO"),
                v.get("cpu_verdict"), over, get("ROUNDS"), v.get("round_ratios"), rssMax, get("TARGET_RSS_MIB"),
                v.get("rss_verdict"));
        if (!errors.isEmpty()) {
            System.err.println("wrk reported errors (see " + work.resolve("section.md") + "):\n"
                    + String.join("\n", errors));
        }
        System.err.println("wrote section '" + key + "' to " + work.resolve("section.md") + " and the common part to "
                + work.resolve("common.md"));
    }

    private String section(String key, List<String> errors, List<String> notes) throws IOException {
        boolean jwt = get("AUTH").equals("jwt");
        String credentialDesc;
        if (jwt) {
            credentialDesc = "JWT authentication: one provider (`auth.jwt.providers`) trusting a dev RS256 key made\n"
                    + "by the jar (`auth-sidecar.jar dev-keys`), its JWKS read from a file. wrk sends `Authorization: Bearer <jwt>`,\n"
                    + "one token of " + get("CREDENTIAL_BYTES") + " bytes made by `auth-sidecar.jar token --sub bench --aud main-service --scope \"read write\"\n"
                    + "--ttl 2h`.";
            v.put("checks", "no token → 401, a forged token (the same claims, signed with another key) → 401,\n"
                    + "the token → 200 `{\"message\":\"pong\"}`");
        } else {
            credentialDesc = "API-key authentication: `auth.apiKeys` holds the SHA-256 of a random key made for\n"
                    + "this run, and wrk sends `Authorization: Bearer <key>`.";
            v.put("checks", "no key → 401, a wrong key → 401, the key → 200 `{\"message\":\"pong\"}`");
        }
        v.put("credential_desc", credentialDesc);
        v.put("credential_kind", credentialDesc.substring(0, credentialDesc.indexOf(':')));
        v.put("what", jwt ? "jwt" : "key");
        v.put("title", title(key));
        v.put("date_", v.get("date").replace(' ', '_'));
        v.put("warnings", notes.isEmpty() ? "" : "**Warnings:** " + String.join(" ", notes));
        v.put("jwt_once", jwt ? "; the RS256 signature is checked once per token, by the probe before the warm-up" : "");
        v.put("not_the_cost", jwt ? "a signature (see the JMH section for a cache miss)" : "a key");
        String yaml = Files.readString(work.resolve("sidecar.yaml")).replaceAll("sha256: .*",
                "sha256: <sha256 of a random key made for this run>").replace(work.toString(), "<workdir>").stripTrailing();
        v.put("sidecar_yaml", yaml);
        StringBuilder perRound = new StringBuilder();
        for (String[] r : rows) {
            perRound.append('|');
            for (String c : r) {
                perRound.append(' ').append(c).append(" |");
            }
            perRound.append('\n');
        }
        v.put("per_round", perRound.toString().stripTrailing());
        String errorText = errors.isEmpty() ? "none." : "**yes, the numbers include them:** "
                + String.join("; ", errors.stream().map(e -> e.substring(2)).toList());
        v.put("errors_short", errorText);
        v.put("errors_long", errors.isEmpty()
                ? "wrk errors: none (no non-2xx/3xx responses and no socket errors in any measured run)."
                : "**wrk reported failed requests; the numbers above include them:**\n\n" + String.join("\n", errors));

        String head = """
                <!-- {{key}}:start -->
                <!-- values: date={{date_}} rounds={{ROUNDS}} duration={{DURATION}} direct.rps={{direct.rps}} sidecar.rps={{sidecar.rps}} sidecar.p50={{sidecar.p50}} sidecar.p99={{sidecar.p99}} sidecar.cpu={{sidecar.cpu}} sidecar.rss={{sidecar.rss}} sidecar.rssmax={{rss_max}} nginx.rps={{nginx.rps}} nginx.p50={{nginx.p50}} nginx.p99={{nginx.p99}} nginx.cpu={{nginx.cpu}} nginx.rss={{nginx.rss}} ratio={{ratio}} cpu_verdict={{cpu_verdict}} rss_verdict={{rss_verdict}} -->
                ## {{title}}

                - Date: {{date}}
                - Run: AUTH={{AUTH}}, ACCESS_LOG={{ACCESS_LOG}}, ROUNDS={{ROUNDS}}, DURATION={{DURATION}}s per measured run; unrecorded
                  warm-up before each: {{SIDECAR_WARMUP}}s for the sidecar, {{WARMUP}}s for nginx and direct
                - auth-sidecar jar: sha256 {{JAR_SHA}}…, built {{JAR_BUILT}}, git HEAD {{GIT_HEAD}}{{dirty}}
                - Load average at start / end: {{LOADAVG_START}} / {{loadavg_end}}
                - JVM: {{JAVA}}: {{java_version}}
                - wrk against the sidecar: `wrk -t{{WRK_THREADS}} -c{{WRK_CONNECTIONS}} -d{{DURATION}}s --latency -H 'Authorization: Bearer <{{what}}>' http://{{HOST}}:{{SIDECAR_PORT}}/ping`

                """;
        String accessLog = """
                Access logs on for both proxies: nginx `combined` format, buffered 64k/200ms, to a file; the sidecar its JSON
                lines (`accessLog.format: json`, its default) on stdout, to a file. Otherwise set up as in the access-logs-off
                section of the same auth mode ({{credential_kind}}). JVM flags: `{{SIDECAR_JVM_FLAGS}}`.

                | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | proxy peak RSS MiB |
                | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
                | direct (no proxy) | {{direct.rps}} | {{direct.p50}} | {{direct.p99}} | — | — | — | — | — |
                | auth-sidecar | {{sidecar.rps}} | {{sidecar.p50}} | {{sidecar.p99}} | **{{sidecar.cpu}}** | {{sidecar.user}} | {{sidecar.sys}} | {{sidecar.jit}} | **{{sidecar.rss}}** |
                | nginx proxy_pass (no auth) | {{nginx.rps}} | {{nginx.p50}} | {{nginx.p99}} | **{{nginx.cpu}}** | {{nginx.user}} | {{nginx.sys}} | — | **{{nginx.rss}}** |

                Medians over {{ROUNDS}} rounds. auth-sidecar CPU per request ÷ nginx's: **{{ratio}}×** (per round: {{round_ratios}});
                without the JIT threads' share {{ratio_nojit}}×. Against the targets: CPU ≤ {{TARGET_CPU_RATIO}}× nginx's **{{cpu_verdict}}**;
                peak RSS {{rss_max}} MiB (highest round) ≤ {{TARGET_RSS_MIB}} MiB **{{rss_verdict}}**.
                {{warnings}}
                wrk errors: {{errors_short}}
                """;
        String full = """
                {{credential_desc}} Before each sidecar run the script checked: {{checks}}.

                **What the steady state measures:** the sidecar verifies a credential once and then serves the repeated one from
                memory: each keep-alive connection remembers its last verified `Authorization` value (a string comparison and an
                `exp` check per request), and a new connection with a known token is served by the verified-credential cache
                (SHA-256 of the token and a look-up){{jwt_once}}.
                wrk sends one credential over 32 connections, so these numbers are the hit path, not the cost of verifying
                {{not_the_cost}}.

                ```
                {{JAVA}} {{SIDECAR_JVM_FLAGS}} -jar auth-sidecar.jar --config sidecar.yaml
                ```

                ```yaml
                {{sidecar_yaml}}
                ```

                ### Medians over {{ROUNDS}} rounds

                | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | proxy peak RSS MiB | peak RSS before load |
                | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
                | direct (no proxy) | {{direct.rps}} | {{direct.p50}} | {{direct.p99}} | — | — | — | — | — | — |
                | auth-sidecar | {{sidecar.rps}} | {{sidecar.p50}} | {{sidecar.p99}} | **{{sidecar.cpu}}** | {{sidecar.user}} | {{sidecar.sys}} | {{sidecar.jit}} | **{{sidecar.rss}}** | {{sidecar.rss0}} |
                | nginx proxy_pass (no auth) | {{nginx.rps}} | {{nginx.p50}} | {{nginx.p99}} | **{{nginx.cpu}}** | {{nginx.user}} | {{nginx.sys}} | — | **{{nginx.rss}}** | {{nginx.rss0}} |

                Each column is the median of its own values over the rounds (so user + sys need not add up to the total exactly).

                auth-sidecar CPU per request ÷ nginx's: **{{ratio}}×** (median of each; per round: {{round_ratios}}).
                Leaving out the JIT compiler threads' share (compilation still under way after the warm-up), the sidecar's
                median is {{sidecar_nojit}} µs/req, {{ratio_nojit}}× nginx's.
                {{warnings}}

                ### Against the targets

                | target | measured | verdict |
                | --- | --- | --- |
                | auth-sidecar CPU/request ≤ {{TARGET_CPU_RATIO}}× nginx's | {{ratio}}× ({{sidecar.cpu}} vs {{nginx.cpu}} µs/req, medians); {{rounds_over}} of {{ROUNDS}} single rounds over {{TARGET_CPU_RATIO}}× | **{{cpu_verdict}}** |
                | auth-sidecar peak RSS ≤ {{TARGET_RSS_MIB}} MiB | {{rss_max}} MiB (highest round; median {{sidecar.rss}}, of which {{sidecar.rss0}} before any load) | **{{rss_verdict}}** |

                ### Per round

                In the order they ran.

                | round | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | user | sys | of which JIT | peak RSS before load MiB | proxy peak RSS MiB | requests | wrk errors |
                | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
                {{per_round}}

                {{errors_long}}
                """;
        v.put("key", key);
        String body = fill(head, v) + fill(get("ACCESS_LOG").equals("on") ? accessLog : full, v);
        // An empty warnings line leaves no blank line behind.
        body = body.replace("\n\n\n", "\n\n").replaceAll("\\.\n\n(wrk errors:)", ".\n$1");
        return body.stripTrailing() + "\n<!-- " + key + ":end -->";
    }

    /**
     * The common part: machine, what ran and how, caveats. Its summary is left empty, between the markers that
     * bench/Results.java fills from every section's values line.
     */
    private String common() throws IOException, InterruptedException {
        v.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        v.put("cpu_model", firstMatch(Path.of("/proc/cpuinfo"), "(?m)^model name\\s*: (.*)$"));
        v.put("mem_gib", String.format(Locale.ROOT, "%.1f",
                num(firstMatch(Path.of("/proc/meminfo"), "(?m)^MemTotal:\\s+(\\d+)")) / 1024 / 1024));
        v.put("kernel", System.getProperty("os.version"));
        v.put("nginx_version", command(List.of(get("NGINX"), "-v")).lines().findFirst().orElse(""));
        v.put("wrk_version", command(List.of("wrk", "-v")).lines().findFirst().orElse(""));
        v.put("peer_conf", Files.readAllLines(work.resolve("nginx-peer.conf")).stream()
                .map(l -> l.replace(work.toString(), "<workdir>"))
                .filter(l -> !l.isEmpty() && !l.contains("access_log <workdir>")).reduce((a, b) -> a + "\n" + b).orElse(""));
        v.put("upstream_conf", Files.readString(work.resolve("nginx-upstream.conf")).replace(work.toString(), "<workdir>")
                .stripTrailing());
        String template = """
                # auth-sidecar benchmark results

                Written by `bench/run.sh` (see `bench/README.md`); the JMH section by `bench/jmh/run.sh`, the WebSocket,
                HTTP/2 and gRPC sections by `bench/ws-run.sh`, `bench/h2-run.sh` and `bench/grpc-run.sh`. Do not edit by hand;
                run the scripts again. A run replaces only its own section below and the summary (one row per protocol, from
                every section); `bench/run.sh` also rewrites the common parts. The other sections keep the date they were
                measured on. Before a run is written here, `bench/Check.java` holds it against `bench/thresholds.tsv`; a run
                past a limit is not written (its section stays in the run's work folder).

                ## Summary

                <!-- summary: written by bench/Results.java from each section's values line -->
                <!-- summary end -->

                ## Machine

                | | |
                | --- | --- |
                | CPUs (`nproc`) | {{nproc}} |
                | CPU model | {{cpu_model}} |
                | Memory | {{mem_gib}} GiB |
                | Kernel | {{kernel}} |
                | nginx | {{nginx_version}} |
                | wrk | {{wrk_version}} |

                Each section names the JVM, the jar and the load average of its own run.

                ## What ran

                All on loopback, all ending at the same upstream: one nginx (1 worker) answering
                `GET /ping` with `200 {"message":"pong"}` on {{HOST}}:{{UPSTREAM_PORT}}.

                | target | path | wrk command (after an unrecorded warm-up run with the same flags) |
                | --- | --- | --- |
                | direct | wrk → upstream nginx | `wrk -t{{WRK_THREADS}} -c{{WRK_CONNECTIONS}} -d<DURATION>s --latency http://{{HOST}}:{{UPSTREAM_PORT}}/ping` |
                | sidecar | wrk → auth-sidecar → upstream | `wrk -t{{WRK_THREADS}} -c{{WRK_CONNECTIONS}} -d<DURATION>s --latency -H 'Authorization: Bearer <key or jwt>' http://{{HOST}}:{{SIDECAR_PORT}}/ping` |
                | nginx | wrk → nginx `proxy_pass` → upstream | `wrk -t{{WRK_THREADS}} -c{{WRK_CONNECTIONS}} -d<DURATION>s --latency http://{{HOST}}:{{PEER_PORT}}/ping` |

                auth-sidecar: one event loop, API-key or JWT authentication on (each section says which, with its config and
                JVM flags). Before each sidecar run the script checks that it answers 401 without a credential and with a wrong
                one, and 200 `{"message":"pong"}` with the run's credential.

                nginx peer (**no authentication**: it only forwards, so it does less work per request than the sidecar):

                ```nginx
                {{peer_conf}}
                ```

                With `ACCESS_LOG=on`, its `server` block also has `access_log <workdir>/peer/access.log combined buffer=64k flush=200ms;`.

                Upstream nginx:

                ```nginx
                {{upstream_conf}}
                ```

                How the numbers are taken:

                - **req/s, p50, p99**: from wrk's report (`Requests/sec`, `Latency Distribution`).
                - **CPU µs/req**: the proxy's utime+stime from `/proc/PID/stat` (all threads, so JIT and GC count for the JVM),
                  read just before and just after the measured wrk run, converted with CLK_TCK={{CLK_TCK}}, divided by the number
                  of requests wrk completed. For nginx: master + worker. *user* and *sys* split it; *of which JIT* is the part
                  spent by the JVM's compiler threads (from `/proc/PID/task/*/stat`): compilation still going on after the
                  warm-up, not the cost of serving requests.
                - **peak RSS**: `VmHWM` from `/proc/PID/status` after the run. For nginx: worker + master added up (they share
                  pages, so this overstates nginx a little). For the sidecar: the JVM's, start-up included. *Peak RSS before
                  load* is the same reading taken after start-up and the probe requests, before the warm-up.
                - Each round starts both proxies fresh; the proxies' order alternates between rounds. Medians over the rounds.

                ## Caveats

                - wrk, the proxy under test and the upstream share this machine's {{nproc}} CPU(s): throughput and latency include
                  that contention. CPU per request, counted for the proxy process alone, is the steadier comparison.
                - The machine is shared and may be busy with other work; that is why medians over several rounds are reported,
                  and the per-round numbers are kept in the full sections.
                - The nginx peer does no authentication. The sidecar authenticates every request, but with one credential sent
                  over keep-alive connections it verifies it once and then takes its hit path (a per-connection memo of the last
                  `Authorization` value, then the verified-credential cache); it also adds identity and forwarding headers and
                  an `X-Request-Id` on every request.

                """;
        return fill(template, v);
    }

    /** {@code {{name}}} in {@code template} replaced by {@code values.get(name)}; a missing name is an error. */
    static String fill(String template, Map<String, String> values) {
        Matcher m = Pattern.compile("\\{\\{([a-zA-Z0-9_.]+)}}").matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("no value for {{" + m.group(1) + "}}");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String title(String key) {
        String auth = key.startsWith("run:jwt") ? "JWT authentication, RS256 (AUTH=jwt)" : "API-key authentication (AUTH=apikey)";
        return auth + (key.endsWith("-accesslog") ? ", access logs on" : ", access logs off");
    }

    /** Median of column {@code col} for {@code target}, two decimals; "-" when the column holds no numbers. */
    private String median(String target, int col) {
        List<Double> values = new ArrayList<>();
        for (String[] r : rows) {
            if (r[TARGET].equals(target) && !r[col].equals("-")) {
                values.add(num(r[col]));
            }
        }
        return values.isEmpty() ? "-" : f2(median(values));
    }

    private static double median(List<Double> values) {
        List<Double> s = values.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Column {@code col} of {@code target}'s rows, by round, in round order. */
    private Map<String, Double> perRound(String target, int col) {
        Map<String, Double> out = new java.util.TreeMap<>((a, b) -> Integer.parseInt(a) - Integer.parseInt(b));
        for (String[] r : rows) {
            if (r[TARGET].equals(target)) {
                out.put(r[ROUND], num(r[col]));
            }
        }
        return out;
    }

    private static double num(String s) {
        return Double.parseDouble(s);
    }

    private String get(String name) {
        String value = env.get(name);
        if (value == null) {
            throw new IllegalStateException("environment variable " + name + " is not set (bench/run.sh exports it)");
        }
        return value;
    }

    private static String firstMatch(Path file, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
        return m.find() ? m.group(1).strip() : "";
    }

    /**
     * A command's output (stdout and stderr: `java -version` and `nginx -v` print to stderr), stripped; "unknown
     * (…)" when it cannot be run, since a version line is worth no failed report.
     */
    private static String command(List<String> cmd) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "unknown (" + String.join(" ", cmd) + ": " + e.getMessage() + ")";
        }
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            out = "unknown (" + e.getMessage() + ")";
        }
        p.waitFor();
        return out.strip();
    }
}
