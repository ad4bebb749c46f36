package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar auth-sidecar.jar} with no options on a current JDK starts without warnings: JDK 22+ warns about
 * Netty's native library unless the jar's manifest grants native access.
 */
@Timeout(60)
class PlainJavaJarIT {
    @TempDir
    Path dir;

    @Test
    void theManifestGrantsNativeAccessToTheClassPath() throws IOException {
        try (JarFile jar = new JarFile(System.getProperty("sidecar.jar"))) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"))
                    .isEqualTo("ALL-UNNAMED");
        }
    }

    @Test
    void startsWithoutAnyJvmWarningOnJdk22OrNewer() throws Exception {
        Optional<Path> java = javaAtLeast(22);
        if (java.isEmpty()) {
            System.out.println("PlainJavaJarIT: no JDK 22 or newer found (this JVM or /usr/lib/jvm/*): the manifest "
                    + "is checked, the start is not");
            return;
        }
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(
                        java.get().toString(),
                        "-jar",
                        System.getProperty("sidecar.jar"),
                        "--listen",
                        "127.0.0.1:0",
                        "--admin-listen",
                        "127.0.0.1:0")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("auth-sidecar listening on")
                    && p.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(25);
            }
            String output = Files.readString(out);
            assertThat(output).as(java.get() + " output").contains("auth-sidecar listening on");
            assertThat(output).as(java.get() + " output").doesNotContain("WARNING:");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    /** This JVM if it is new enough, else the newest JDK under /usr/lib/jvm that is. */
    private static Optional<Path> javaAtLeast(int feature) throws IOException {
        List<Path> candidates = new ArrayList<>();
        if (Runtime.version().feature() >= feature) {
            candidates.add(Path.of(System.getProperty("java.home"), "bin", "java"));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                homes.filter(h -> releaseFeature(h) >= feature)
                        .map(h -> h.resolve("bin/java"))
                        .filter(Files::isExecutable)
                        .forEach(candidates::add);
            }
        }
        return candidates.stream().findFirst();
    }

    static int releaseFeature(Path javaHome) {
        try {
            for (String line : Files.readAllLines(javaHome.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
