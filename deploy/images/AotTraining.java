import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training run of the sidecar image's ahead-of-time cache (JDK 25, JEPs 483, 514, 515), run by the
 * Dockerfile's auth-sidecar-jre stage as a single-file program on the build JDK:
 *
 * <pre>
 *   java AotTraining.java JAVA JAR UPSTREAM_JAR "JVM OPTIONS … -XX:AOTCacheOutput=FILE"
 * </pre>
 *
 * It starts main-service (UPSTREAM_JAR, on this JDK) as the upstream, then the sidecar exactly as the image starts it
 * ({@code JAVA -jar JAR}, the options as JAVA_TOOL_OPTIONS) with a configuration like the Pod's (API keys, a public
 * /healthz, main-service's HTTP and gRPC ports), waits for its startup probe and readiness, and sends what a Pod
 * sees: probes, /metrics, 401s without or with a wrong key, 200s with a key, on several keep-alive connections at
 * once. Then SIGTERM, as the kubelet does: the JVM writes the cache as it exits. Every answer is checked, so a
 * training run that trains on errors fails the build instead of caching the error path.
 *
 * The ports are free ones picked here (builds may share the host's network). The sidecar's output goes to a file;
 * what is not an access-log line (the JVM's and the sidecar's own log lines) is printed, so the build log shows
 * any AOT warning. Exit code 0 only when the sidecar exited 0 and the cache file exists.
 */
public final class AotTraining {
    /** Rounds of the request mix below; about 10 requests each. Enough for the start-up path and method profiles. */
    private static final int ROUNDS = 60;

    private static final int CONNECTIONS = 4;
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: java AotTraining.java JAVA JAR UPSTREAM_JAR \"JVM OPTIONS\"");
            System.exit(2);
        }
        String java = args[0];
        String jar = args[1];
        String upstreamJar = args[2];
        String options = args[3];
        Path cache = cacheFile(options);
        Path work = Files.createTempDirectory("aot-training");

        int upstreamPort = freePort();
        int grpcPort = freePort();
        int proxyPort = freePort();
        int adminPort = freePort();
        String key = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        Files.writeString(work.resolve("keys.yaml"), "- name: aot-training\n  sha256: " + sha256(key) + "\n");
        Files.writeString(
                work.resolve("sidecar.yaml"),
                String.join(
                        "\n",
                        "server:",
                        "  listen: 127.0.0.1:" + proxyPort,
                        "upstream:",
                        "  url: http://127.0.0.1:" + upstreamPort,
                        "  grpc:",
                        "    url: http://127.0.0.1:" + grpcPort,
                        "admin:",
                        "  listen: 127.0.0.1:" + adminPort,
                        "auth:",
                        "  apiKeysFile: keys.yaml",
                        "  publicPaths:",
                        "    - /healthz",
                        "shutdown:",
                        "  drainDelay: 0s",
                        "  timeout: 5s",
                        ""));

        String self = ProcessHandle.current().info().command().orElse("java");
        Process upstream = new ProcessBuilder(
                        self,
                        "-jar",
                        upstreamJar,
                        "--listen",
                        "127.0.0.1:" + upstreamPort,
                        "--grpc-listen",
                        "127.0.0.1:" + grpcPort)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("upstream.log").toFile())
                .start();
        Path sidecarLog = work.resolve("sidecar.log");
        ProcessBuilder sidecarBuilder = new ProcessBuilder(
                        java, "-jar", jar, "--config", work.resolve("sidecar.yaml").toString())
                .redirectErrorStream(true)
                .redirectOutput(sidecarLog.toFile());
        sidecarBuilder.environment().put("JAVA_TOOL_OPTIONS", options);
        Process sidecar = null;
        int exit;
        try {
            sidecar = sidecarBuilder.start();
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            String admin = "http://127.0.0.1:" + adminPort;
            String proxy = "http://127.0.0.1:" + proxyPort;
            awaitOk(client, admin + "/healthz", sidecar, sidecarLog);
            awaitOk(client, admin + "/readyz", sidecar, sidecarLog);
            train(client, admin, proxy, key);
            sidecar.destroy(); // SIGTERM: the JVM writes the AOT cache on its way out
            if (!sidecar.waitFor(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the sidecar did not exit within 120 s of SIGTERM");
            }
            exit = sidecar.exitValue();
        } finally {
            if (sidecar != null) {
                sidecar.destroyForcibly();
            }
            upstream.destroy();
            upstream.waitFor(10, TimeUnit.SECONDS);
            upstream.destroyForcibly();
            printLogLines(sidecarLog);
        }
        if (exit != 0) {
            throw new IllegalStateException("the sidecar exited " + exit + " after SIGTERM, expected 0");
        }
        if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
            throw new IllegalStateException("no AOT cache written to " + cache);
        }
        System.out.printf("aot-training: %s: %d MiB%n", cache, Files.size(cache) >> 20);
    }

    /** The request mix, from CONNECTIONS threads at once (the sidecar's event loops, pools and caches all take part). */
    private static void train(HttpClient client, String admin, String proxy, String key) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                all.add(pool.submit(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        expect(client, get(proxy + "/ping").build(), 401);
                        expect(client, get(proxy + "/ping").header("Authorization", "Bearer wrong-" + key).build(), 401);
                        expect(client, get(proxy + "/ping").header("Authorization", "Bearer " + key).build(), 200);
                        expect(client, get(proxy + "/whoami").header("Authorization", "Bearer " + key).build(), 200);
                        expect(client, get(proxy + "/ping?round=" + round).header("Authorization", "Bearer " + key).build(), 200);
                        expect(client, get(proxy + "/nowhere").header("Authorization", "Bearer " + key).build(), 404);
                        expect(client, get(proxy + "/healthz").build(), 200);
                        expect(client, get(admin + "/healthz").build(), 200);
                        expect(client, get(admin + "/readyz").build(), 200);
                        if (round % 10 == 0) {
                            expect(client, get(admin + "/metrics").build(), 200);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    }

    private static void expect(HttpClient client, HttpRequest request, int status) throws Exception {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != status) {
            throw new IllegalStateException(request.method() + " " + request.uri() + ": expected " + status + ", got "
                    + r.statusCode() + ": " + r.body());
        }
    }

    /** Polls like a kubelet's probe (every 50 ms) until 200; fails with the sidecar's output if it exits or times out. */
    private static void awaitOk(HttpClient client, String url, Process sidecar, Path log) throws Exception {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!sidecar.isAlive()) {
                throw new IllegalStateException("the sidecar exited " + sidecar.exitValue() + " before " + url
                        + " answered 200:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> r = client.send(
                        get(url).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(url + " not 200 within " + START_DEADLINE + ":\n" + Files.readString(log));
    }

    /**
     * The sidecar's output without its JSON access-log lines: the JVM's messages and the sidecar's log. The JVM warns
     * once per class it leaves out of the cache ("Skipping NAME: REASON"); those are counted by reason instead, with
     * an example each, so that any other AOT warning stands out in the build log (deploy/test-images.sh fails on one).
     */
    private static void printLogLines(Path log) throws IOException {
        if (!Files.exists(log)) {
            return;
        }
        Pattern skipping = Pattern.compile("\\[warning]\\[aot] Skipping (\\S+): (.*)$");
        Map<String, List<String>> skipped = new TreeMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = skipping.matcher(line);
            if (m.find()) {
                skipped.computeIfAbsent(m.group(2), r -> new ArrayList<>()).add(m.group(1));
            } else if (!line.startsWith("{\"")) {
                System.out.println("aot-training: sidecar: " + line);
            }
        }
        skipped.forEach((reason, classes) -> System.out.printf(
                "aot-training: left out of the cache (loaded from the jar at run time): %d classes: %s (e.g. %s)%n",
                classes.size(), reason, classes.get(0)));
    }

    private static Path cacheFile(String options) {
        for (String o : options.trim().split("\\s+")) {
            if (o.startsWith("-XX:AOTCacheOutput=")) {
                return Path.of(o.substring("-XX:AOTCacheOutput=".length()));
            }
        }
        throw new IllegalArgumentException("the JVM options name no -XX:AOTCacheOutput=FILE: " + options);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String sha256(String key) throws NoSuchAlgorithmException {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
