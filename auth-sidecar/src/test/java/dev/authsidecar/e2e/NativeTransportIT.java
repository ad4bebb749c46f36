package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar with the sidecar image's JVM options. The image installs Netty's epoll library on java.library.path,
 * which Netty tries before it unpacks the copy in the jar to its work folder (which must allow exec): so nothing is
 * unpacked, and a noexec or read-only /tmp cannot push the sidecar onto NIO. When epoll does fail, the fallback to
 * NIO is a WARN that says why, not a quiet word in the start-up line.
 */
@Timeout(60)
class NativeTransportIT {
    private static final boolean LINUX =
            System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux");

    @TempDir
    Path dir;

    @Test
    void theLibraryOnJavaLibraryPathLoadsAndNothingIsUnpacked() throws Exception {
        if (!LINUX) {
            return; // epoll is Linux-only
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        String name = "libnetty_transport_native_epoll_" + nettyArch() + ".so";
        try (ZipFile jar = new ZipFile(System.getProperty("sidecar.jar"))) {
            ZipEntry entry = jar.getEntry("META-INF/native/" + name);
            assertThat(entry).as(name + " in the jar").isNotNull();
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, lib.resolve(name));
            }
        }
        Path installed = Files.createDirectories(dir.resolve("workdir-installed"));
        assertThat(start(lib, installed)).contains("epoll transport").doesNotContain("WARN  Transport");
        assertThat(listing(installed))
                .as("unpacked by Netty with the library on java.library.path")
                .isEmpty();

        // The control: without it, Netty unpacks its copy (and then needs a work folder that allows exec).
        Path unpacked = Files.createDirectories(dir.resolve("workdir-unpacked"));
        assertThat(start(Files.createDirectories(dir.resolve("empty")), unpacked))
                .contains("epoll transport");
        assertThat(listing(unpacked)).as("unpacked by Netty without it").anyMatch(f -> f.contains("netty_transport"));
    }

    @Test
    void whenEpollCannotLoadTheFallbackToNioIsAWarnWithNettysReason() throws Exception {
        // A work folder that cannot be created (under a regular file), and no library on java.library.path.
        Path blocker = Files.writeString(dir.resolve("not-a-folder"), "");
        String log = start(Files.createDirectories(dir.resolve("empty")), blocker.resolve("netty"));
        assertThat(log).contains("nio transport");
        if (LINUX) {
            assertThat(log)
                    .containsPattern("WARN +Transport - epoll transport unavailable, falling back to NIO "
                            + "\\(.*\\): .*native workdir mkdirs failed: " + Pattern.quote(blocker + "/netty"));
        }
    }

    /**
     * A transport asked for by name that cannot run (here: Netty's native transports switched off, as a seccomp
     * profile or an old kernel would for io_uring) stops start-up with the reason; it does not quietly run another.
     */
    @Test
    void aNamedTransportThatCannotRunStopsStartUpWithTheReason() throws Exception {
        Path config = config("io_uring");
        List<String> jvm = new ArrayList<>(ImageRuntime.jvmArgs("auth-sidecar"));
        jvm.add("-Dio.netty.transport.noNative=true");
        try (JavaProcess sidecar = JavaProcess.start("sidecar.jar", jvm, List.of("--config", config.toString()))) {
            assertThat(sidecar.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(sidecar.output())
                    .contains("auth-sidecar: cannot start: server.transport: io_uring is not available here: ")
                    .contains("noNative")
                    .contains("use server.transport: auto to fall back")
                    .doesNotContain("auth-sidecar listening on");
        }
    }

    /** Starts the sidecar with the image's options, waits for its start-up line and returns its output. */
    private String start(Path libraryPath, Path nettyWorkdir) throws Exception {
        Path config = config("auto");
        List<String> jvm = new ArrayList<>(ImageRuntime.jvmArgs("auth-sidecar"));
        jvm.add("-Djava.library.path=" + libraryPath);
        jvm.add("-Dio.netty.native.workdir=" + nettyWorkdir);
        jvm.add("-Dio.netty.native.deleteLibAfterLoading=false"); // so that an unpacked library stays visible
        try (JavaProcess sidecar = JavaProcess.start("sidecar.jar", jvm, List.of("--config", config.toString()))) {
            sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(30));
            return sidecar.output();
        }
    }

    private Path config(String transport) throws IOException {
        return Files.writeString(
                dir.resolve("sidecar.yaml"),
                "server:\n  listen: 127.0.0.1:0\n  transport: " + transport + "\n"
                        + "admin:\n  listen: 127.0.0.1:0\nupstream:\n  url: http://127.0.0.1:1\n");
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    /** Netty's name for the CPU architecture in its library file names. */
    private static String nettyArch() throws IOException {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch_64";
            default -> throw new IOException("no Netty epoll library in the jar for " + arch);
        };
    }
}
