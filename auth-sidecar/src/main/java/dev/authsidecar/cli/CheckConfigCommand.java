package dev.authsidecar.cli;

import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.Setting;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.reload.ConfigCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Validates a configuration exactly as start-up does (the same loader, the same {@code AUTH_SIDECAR_*}
 * variables and flags, the same files read), without starting anything.
 */
@Command(
        name = "check-config",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Validate a configuration file as start-up would, with the AUTH_SIDECAR_* environment "
                + "variables and the flags given, and the files it names. Exit code 0: valid; 2: invalid, with "
                + "the same message start-up prints.")
final class CheckConfigCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration file (may also be given before check-config).")
    Path config;

    @Option(
            names = "--effective",
            description = "Also print the value every single key is in force with, and where it came from: the "
                    + "file, an AUTH_SIDECAR_* variable, a flag, or the default.")
    boolean effective;

    @Mixin
    ConfigFlags flags;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig checked;
        Path file;
        List<Setting> settings = List.of();
        try {
            file = ConfigFlags.either("--config", main.config, config);
            if (file == null) {
                throw new ConfigException("--config", "", "check-config needs the file to check: --config FILE");
            }
            ConfigSource source = Main.source(file, ConfigFlags.merge(main.flags, flags), main.environment);
            checked = ConfigCheck.check(source);
            if (effective) {
                settings = source.effective();
            }
        } catch (ConfigException e) {
            return Main.invalid(spec.commandLine().getErr(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("OK: " + file);
        out.println("  " + ConfigCheck.summary(checked));
        ConfigCheck.warnings(checked).forEach(w -> out.println("  warning: " + w));
        for (Setting s : settings) {
            out.println("  " + s.path() + ": " + s.value() + " ("
                    + (s.origin().equals("default") ? "default" : "from " + s.origin()) + ")");
        }
        out.flush();
        return 0;
    }
}
