package dev.authsidecar.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.authsidecar.cli.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes as the configuration file, through {@code check-config} exactly as the command line runs it.
 * Whatever the file holds, the answer is exit 0 with {@code OK:}, or exit 2 with one line naming the problem:
 * never a stack trace, never picocli's exit 1 for an exception that got away.
 *
 * <p>Regression inputs: {@code src/test/resources/dev/authsidecar/fuzz/ConfigFuzzTestInputs/checkConfig/}.
 */
final class ConfigFuzzTest {
    private static final String PREFIX = "auth-sidecar: invalid configuration: ";
    private static Path dir;
    private static Path file;

    @BeforeAll
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("config-fuzz");
        file = dir.resolve("sidecar.yaml");
    }

    @AfterAll
    static void deleteFolder() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest(maxDuration = "2m")
    void checkConfig(byte[] yaml) throws IOException {
        Files.write(file, yaml);
        CliRunner.Run r = CliRunner.run(Map.of(), "check-config", "--config", file.toString());

        if (r.exit() == 0) {
            assertThat(r.out()).startsWith("OK: " + file + "\n");
            assertThat(r.err()).isEmpty();
            return;
        }
        assertThat(r.exit()).as("exit code; stderr:%n%s", r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(PREFIX).endsWith("\n");
        String line = r.err().substring(0, r.err().length() - 1);
        assertThat(line).as("one line").doesNotContain("\n", "\r");
        assertThat(line).as("no stack trace or exception class").doesNotContain("\tat ", "Exception");
    }
}
