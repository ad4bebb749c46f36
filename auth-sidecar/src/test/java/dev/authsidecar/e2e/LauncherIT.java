package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.deploy.Dockerfile;
import dev.authsidecar.deploy.Manifests;
import dev.authsidecar.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tarball for running outside a container (README, "Run outside a container"), unpacked and run for real: its
 * {@code bin/auth-sidecar} finds Java through JAVA_HOME, starts the jar with the image's JVM options (those the JDK
 * knows), execs so that the JVM is the process that was started, and serves 401s and 200s in front of main-service
 * with the tarball's example configuration; SIGTERM stops it with exit code 0. Run on every JDK 17 or newer found
 * (this one, and those under /usr/lib/jvm): the options that need a newer JDK must not keep an older one from
 * starting.
 */
@Timeout(240)
class LauncherIT {
    /** The options the launcher passes only to a JDK of at least this release (bin/auth-sidecar's table). */
    private static final Map<String, Integer> NEWER = Map.of(
            "-XX:+UseCompactObjectHeaders", 25,
            "--sun-misc-unsafe-memory-access=", 23,
            "-XX:TrimNativeHeapInterval=", 22);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path dir;

    record Jdk(Path home, int feature) {
        @Override
        public String toString() {
            return "JDK " + feature + " (" + home + ")";
        }
    }

    /** This JDK, and every JDK 17+ under /usr/lib/jvm (one per real folder). */
    static Stream<Jdk> jdks() throws IOException {
        Map<Path, Jdk> found = new LinkedHashMap<>();
        List<Path> homes = new ArrayList<>();
        homes.add(Path.of(System.getProperty("java.home")));
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> list = Files.list(jvms)) {
                list.sorted().forEach(homes::add);
            }
        }
        for (Path home : homes) {
            int feature = PlainJavaJarIT.releaseFeature(home);
            if (feature >= 17 && Files.isExecutable(home.resolve("bin/java"))) {
                found.putIfAbsent(home.toRealPath(), new Jdk(home, feature));
            }
        }
        return found.values().stream();
    }

    @Test
    void theTarballHoldsAnExecutableLauncherTheJarAndAnExampleConfiguration() throws Exception {
        Path home = unpack();
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/auth-sidecar")))
                .contains(
                        PosixFilePermission.OWNER_EXECUTE,
                        PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_EXECUTE);
        assertThat(Files.readString(home.resolve("bin/auth-sidecar")))
                .startsWith("#!/bin/sh\n")
                .as("the launcher carries the image's options, read from the Dockerfile at build time")
                .contains("OPTIONS='" + String.join(" ", imageOptions()) + "'")
                .as("it replaces itself with the JVM, so that signals reach the JVM")
                .contains("exec \"$java\" \"$@\"");
        assertThat(home.resolve("lib/auth-sidecar.jar"))
                .as("the same jar as the image's")
                .hasSameBinaryContentAs(Path.of(System.getProperty("sidecar.jar")));
        assertThat(home.resolve("conf/sidecar.yaml")).isRegularFile();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void runsTheJarWithTheImagesOptionsTheJdkKnowsAndStopsOnSigterm(Jdk jdk) throws Exception {
        Path home = unpack();
        Path launcher = home.resolve("bin/auth-sidecar");
        Map<String, String> env = Map.of("JAVA_HOME", jdk.home().toString());

        // A key made by the launcher itself, in the entry format the example configuration's keys.yaml expects.
        String key;
        String sha256;
        try (JavaProcess genKey = JavaProcess.command(List.of(launcher.toString(), "gen-key", "--env"), home, env)) {
            assertThat(genKey.awaitExit(Duration.ofSeconds(60)))
                    .as(genKey.output())
                    .isZero();
            key = genKey.awaitOutput("(?m)^API_KEY=['\"]?([^'\"\\s]+)", Duration.ofSeconds(1));
            sha256 = genKey.awaitOutput("(?m)^API_KEY_SHA256=['\"]?([0-9a-f]{64})", Duration.ofSeconds(1));
        }
        Files.writeString(
                home.resolve("conf/keys.yaml"),
                "- name: launcher-it\n  sha256: " + sha256 + "\n",
                StandardCharsets.UTF_8);

        int upstreamPort = FreePorts.one();
        int proxyPort = FreePorts.one();
        int adminPort = FreePorts.one();
        try (JavaProcess upstream = JavaProcess.start(
                        "main-service.jar",
                        List.of(),
                        List.of("--listen", "127.0.0.1:" + upstreamPort, "--grpc-listen", "off"));
                JavaProcess sidecar = JavaProcess.command(
                        List.of(
                                launcher.toString(),
                                "--config",
                                "conf/sidecar.yaml",
                                "--listen",
                                "127.0.0.1:" + proxyPort,
                                "--admin-listen",
                                "127.0.0.1:" + adminPort,
                                "--upstream",
                                "http://127.0.0.1:" + upstreamPort),
                        home,
                        Map.of("JAVA_HOME", jdk.home().toString(), "AUTH_SIDECAR_SHUTDOWN_DRAIN_DELAY", "0s"))) {
            sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(60));
            assertThat(get("http://127.0.0.1:" + adminPort + "/healthz", null).statusCode())
                    .isEqualTo(200);
            assertThat(get("http://127.0.0.1:" + proxyPort + "/ping", null).statusCode())
                    .as("no credential")
                    .isEqualTo(401);
            awaitUpstream(upstreamPort);
            HttpResponse<String> ok = get("http://127.0.0.1:" + proxyPort + "/ping", key);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.body()).contains("pong");

            // exec: the process started is the JVM, running the JDK's java with the options it knows.
            List<String> cmdline = List.of(Files.readString(Path.of("/proc/" + sidecar.pid() + "/cmdline"))
                    .split("\0"));
            assertThat(Path.of("/proc/" + sidecar.pid() + "/exe").toRealPath())
                    .as("the started process is the JVM of JAVA_HOME")
                    .isEqualTo(jdk.home().resolve("bin/java").toRealPath());
            List<String> expected = imageOptions().stream()
                    .filter(o -> NEWER.entrySet().stream()
                            .noneMatch(n -> o.startsWith(n.getKey()) && jdk.feature() < n.getValue()))
                    .toList();
            assertThat(cmdline.subList(1, cmdline.size()))
                    .as("java, the image's options that " + jdk + " knows, -jar, the launcher's arguments")
                    .startsWith(expected.toArray(String[]::new));
            assertThat(cmdline.subList(1 + expected.size(), cmdline.size()))
                    .startsWith(
                            "-jar",
                            home.resolve("lib/auth-sidecar.jar").toRealPath().toString())
                    .endsWith(
                            "--config",
                            "conf/sidecar.yaml",
                            "--listen",
                            "127.0.0.1:" + proxyPort,
                            "--admin-listen",
                            "127.0.0.1:" + adminPort,
                            "--upstream",
                            "http://127.0.0.1:" + upstreamPort);
            if (jdk.feature() >= 25) {
                assertThat(expected).as("a JDK 25 gets every option").isEqualTo(imageOptions());
            }
            assertThat(sidecar.terminate(Duration.ofSeconds(40)))
                    .as("exit code after SIGTERM (143 if the shell had got it): " + sidecar.output())
                    .isZero();
            assertThat(sidecar.output()).doesNotContain("WARN", "Unrecognized");
        }
    }

    @Test
    void aMissingJavaIsExplained() throws Exception {
        Path home = unpack();
        try (JavaProcess p = JavaProcess.command(
                List.of(home.resolve("bin/auth-sidecar").toString(), "--version"),
                home,
                Map.of("JAVA_HOME", dir.resolve("no-such-jdk").toString()))) {
            assertThat(p.awaitExit(Duration.ofSeconds(10))).isEqualTo(1);
            assertThat(p.output()).contains("auth-sidecar: JAVA_HOME=").contains("has no bin/java");
        }
    }

    private static List<String> imageOptions() throws IOException {
        return Dockerfile.image(Manifests.repoRoot(), "auth-sidecar").javaOptionsOutsideTheImage();
    }

    /** The tarball the build made, unpacked with tar(1) into a fresh folder; returns the installation folder. */
    private Path unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("sidecar.tarball", ""));
        assertThat(tarball)
                .as("system property sidecar.tarball (run through `./mvnw verify`)")
                .isRegularFile();
        Path into = Files.createTempDirectory(dir, "unpacked");
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", into.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).as("tar -xzf " + tarball).isZero();
        try (Stream<Path> top = Files.list(into)) {
            List<Path> folders = top.toList();
            assertThat(folders).as("one top folder, auth-sidecar-<version>").hasSize(1);
            assertThat(folders.get(0).getFileName().toString()).startsWith("auth-sidecar-");
            assertThat(Set.of("bin", "lib", "conf"))
                    .allSatisfy(d -> assertThat(folders.get(0).resolve(d)).isDirectory());
            return folders.get(0);
        }
    }

    private void awaitUpstream(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get("http://127.0.0.1:" + port + "/healthz", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // main-service still starting
            }
            Thread.sleep(50);
        }
        throw new AssertionError("main-service did not answer on " + port);
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
