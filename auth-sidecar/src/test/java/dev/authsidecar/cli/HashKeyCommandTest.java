package dev.authsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code hash-key} run in-process with its standard input replaced. */
final class HashKeyCommandTest {
    record Run(int exit, String out, String err) {}

    private static Run run(byte[] stdin) {
        CommandLine cli = new CommandLine(new Main());
        HashKeyCommand command = cli.getSubcommands().get("hash-key").getCommand();
        command.in = new ByteArrayInputStream(stdin);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("hash-key");
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sk_abc-DEF.123~x+y/z==\n", "sk_abc-DEF.123~x+y/z==", "  sk_abc-DEF.123~x+y/z==\r\n"})
    void printsTheSha256OfAValidKey(String input) {
        Run r = run(input.getBytes(StandardCharsets.UTF_8));

        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(HashKeyCommand.sha256Hex("sk_abc-DEF.123~x+y/z==") + "\n");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "my key\n",
                "pässword\n",
                "key\"quoted\n",
                "a=b\n",
                "=abc\n",
                "tab\tinside\n",
                "key;x\n",
                "\u00e9\n",
                "a,b\n"
            })
    void refusesAKeyThatCannotBeSentAsABearerToken(String input) {
        Run r = run(input.getBytes(StandardCharsets.UTF_8));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err())
                .startsWith("auth-sidecar hash-key: the key cannot be sent as a bearer token")
                .endsWith("\n")
                .hasLineCount(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "   \n"})
    void refusesNoKey(String input) {
        Run r = run(input.getBytes(StandardCharsets.UTF_8));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("auth-sidecar hash-key: no key on standard input\n");
    }

    @org.junit.jupiter.api.Test
    void refusesBytesThatAreNotUtf8() {
        Run r = run(new byte[] {'s', 'k', (byte) 0xFF, '\n'});

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("auth-sidecar hash-key: the key is not valid UTF-8")
                .hasLineCount(1);
    }
}
