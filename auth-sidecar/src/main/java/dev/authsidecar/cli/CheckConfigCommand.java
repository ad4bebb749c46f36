package dev.authsidecar.cli;

import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.reload.ConfigCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Validates a configuration exactly as start-up does (the same loader, the same {@code AUTH_SIDECAR_*}
 * variables and flags, the same files read), without starting anything.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Validate a configuration file as start-up would, with the AUTH_SIDECAR_* environment "
                + "variables and the flags given, and the files it names. Exit code 0: valid; 2: invalid, with "
                + "the same message start-up prints.")
final class CheckConfigCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", required = true, description = "YAML configuration file.")
    Path config;

    @Mixin
    ConfigFlags flags;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig checked;
        try {
            checked = ConfigCheck.check(Main.source(config, flags, main.environment));
        } catch (ConfigException e) {
            return Main.invalid(spec.commandLine().getErr(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("OK: " + config);
        out.println("  " + ConfigCheck.summary(checked));
        out.flush();
        return 0;
    }
}
