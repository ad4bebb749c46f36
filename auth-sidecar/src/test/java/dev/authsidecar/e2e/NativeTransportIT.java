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
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar with the sidecar image's JVM options, where Netty cannot unpack its epoll library (its work folder
 * cannot be created: as on a read-only root, or a /tmp it cannot execute from). The image installs the library on
 * java.library.path instead, which Netty tries first: then epoll runs. Without it, the fallback to NIO is a WARN
 * that says why, not a quiet word in the start-up line.
 */
@Timeout(60)
class NativeTransportIT {
    private static final boolean LINUX = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux");

    @TempDir
    Path dir;

    @Test
    void theLibraryOnJavaLibraryPathLoadsWithoutAnyWritableTemporaryFolder() throws Exception {
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
        String log = startAndStop(lib);
        assertThat(log).contains("epoll transport").doesNotContain("WARN");
    }

    @Test
    void withoutItTheFallbackToNioIsAWarnWithNettysReason() throws Exception {
        String log = startAndStop(Files.createDirectories(dir.resolve("empty")));
        assertThat(log).contains("nio transport");
        if (LINUX) {
            assertThat(log).containsPattern("WARN .*epoll transport unavailable, falling back to NIO .*: "
                    + "java.lang.UnsatisfiedLinkError: .*netty_transport_native_epoll");
        }
    }

    /** Starts the sidecar with the image's options and Netty's work folder under a regular file, then stops it. */
    private String startAndStop(Path libraryPath) throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-folder"), "");
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), "server:\n  listen: 127.0.0.1:0\n"
                + "admin:\n  listen: 127.0.0.1:0\nupstream:\n  url: http://127.0.0.1:1\nshutdown:\n  drainDelay: 0s\n");
        List<String> jvm = new ArrayList<>(ImageRuntime.jvmArgs("auth-sidecar"));
        jvm.add("-Djava.library.path=" + libraryPath);
        jvm.add("-Dio.netty.native.workdir=" + blocker.resolve("netty"));
        try (JavaProcess sidecar = JavaProcess.start("sidecar.jar", jvm, List.of("--config", config.toString()))) {
            sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(30));
            assertThat(sidecar.terminate(Duration.ofSeconds(20))).as("exit code after SIGTERM").isZero();
            return sidecar.output();
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
