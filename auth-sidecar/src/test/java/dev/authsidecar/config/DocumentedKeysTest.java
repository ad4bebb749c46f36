package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Users copy the documentation's examples. No API-key hash in them may be the hash of a guessable string: a
 * copied block would accept {@code Bearer password}.
 */
final class DocumentedKeysTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern SHA256 = Pattern.compile("sha256:\\s*([0-9a-fA-F]{64})\\b");

    @Test
    void noDocumentedKeyHashIsThatOfAPlaceholder() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        for (String dir : List.of("docs", "deploy")) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                walk.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".yaml"))
                        .forEach(files::add);
            }
        }
        int hashes = 0;
        for (Path file : files) {
            Matcher m = SHA256.matcher(Files.readString(file));
            while (m.find()) {
                hashes++;
                assertThat(WeakKeys.placeholderOf(m.group(1)))
                        .as(file + ": " + m.group(1))
                        .isNull();
            }
        }
        assertThat(files).as("the README was found").anyMatch(p -> p.endsWith("README.md"));
        assertThat(hashes).isGreaterThanOrEqualTo(0);
    }

    @Test
    void theReadmesKeyPlaceholderIsRefusedUntilReplaced() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("sha256: (PASTE-[^\\s]+)").matcher(readme);

        assertThat(m.find())
                .as("the configuration example shows a placeholder, not a hash")
                .isTrue();
        assertThat(SHA256.matcher(readme).find())
                .as("no 64-hex-digit hash in the README")
                .isFalse();
    }
}
