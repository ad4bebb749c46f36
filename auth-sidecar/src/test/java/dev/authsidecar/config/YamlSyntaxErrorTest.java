package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A YAML syntax error is one line, {@code file:line:column: reason}, pointing where the scanner stopped. */
final class YamlSyntaxErrorTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "server:\\n\\tlisten: x\\n                    | 2:1 | found character '\\t(TAB)' that cannot start any token",
                "a: 1\\n  b: 2\\n                             | 2:4 | mapping values are not allowed here",
                "server:\\n  listen: x\\n  idle: 'y\\n          | 4:1 | found unexpected end of stream (while scanning a quoted",
                "server: [\\n                                 | 2:1 | expected the node content, but found '<stream end>'",
                "a: b: c\\n                                   | 1:5 | mapping values are not allowed here",
                "server:\\n  listen: {a\\n                   | 3:1 | expected ',' or '}', but got <stream end>",
                "server:\\n  listen: ':1'\\n  listen: ':2'\\n | 3:9  | Duplicate field 'listen'",
                "server:\\n  listen: ':1'\\nserver: {}\\n      | 3:7  | Duplicate field 'server'",
            })
    void oneLineWithTheFileLineAndColumn(String yaml, String at, String reason) throws IOException {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, yaml.replace("\\n", "\n").replace("\\t", "\t"));

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":" + at + ": not valid YAML: ")
                .hasMessageContaining(reason.replace("\\t", "\\t"))
                .hasMessageNotContaining("\n");
    }

    @Test
    void theApiKeyFileGetsTheSameTreatment() throws IOException {
        Path keys = Files.writeString(dir.resolve("keys.yaml"), "- name: a\n\tsha256: b\n");
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), "auth:\n  apiKeysFile: keys.yaml\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessageStartingWith(keys.toAbsolutePath() + ":2:1: not valid YAML: ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedInOneLine() throws IOException {
        Path file = dir.resolve("sidecar.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessage(file + ": not valid YAML: the file is not UTF-8 text");
    }
}
