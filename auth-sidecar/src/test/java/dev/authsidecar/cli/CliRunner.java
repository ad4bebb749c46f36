package dev.authsidecar.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process as {@code main} would, output captured; for tests in other packages. */
public final class CliRunner {
    private CliRunner() {}

    /** What a run printed and its exit code. */
    public record Run(int exit, String out, String err) {}

    public static Run run(Map<String, String> environment, String... args) {
        Main main = new Main();
        main.environment = environment;
        CommandLine cli = new CommandLine(main);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
