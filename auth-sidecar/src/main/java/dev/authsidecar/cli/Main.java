package dev.authsidecar.cli;

import dev.authsidecar.Sidecar;
import dev.authsidecar.StartupException;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigOverride;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.EnvironmentOverrides;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.reload.ConfigCheck;
import dev.authsidecar.reload.ReloadTiming;
import dev.authsidecar.tls.ServerTls;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code auth-sidecar}: runs the proxy; subcommands check a configuration and help with keys. */
@Command(
        name = "auth-sidecar",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        description = "Authenticating sidecar proxy: verifies the caller's bearer token and forwards allowed "
                + "requests to the application beside it.",
        subcommands = {
            CheckConfigCommand.class,
            GenerateKeyCommand.class,
            HashKeyCommand.class,
            DevKeysCommand.class,
            TokenCommand.class
        })
public final class Main implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration file; changes to it (and to the files it names) are applied "
                    + "without a restart.")
    Path config;

    @Mixin
    ConfigFlags flags;

    /** Where {@code AUTH_SIDECAR_*} variables are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Netty's allocator emits JFR events when JFR is present, and loading its first event class sets up
        // JFR's event metadata (about 100 classes, 1 MiB) even when nothing records. A flight recording of the
        // JVM still works; -Dio.netty.jfr.enabled=true adds Netty's allocator events to it.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // The JDK reads this once, when its server handshake code loads: set it before anything could load it.
        ServerTls.refuseClientRenegotiation();
        // Leak detection samples buffers and records touch points on every pipeline hop: useful in tests (which
        // keep Netty's default), a measurable cost in production. -Dio.netty.leakDetection.level turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return commandLine(new Main());
    }

    static CommandLine commandLine(Main main) {
        // picocli already exits with 2 (usage) on an unknown or malformed flag.
        CommandLine cli = new CommandLine(main);
        cli.setExecutionStrategy(Main::execute);
        return cli;
    }

    /**
     * Flags written before a subcommand belong to the top-level command in picocli's eyes and would be dropped
     * silently. {@code check-config} honours them like its own (it checks what a start with them would run);
     * the other subcommands take none of them, so they are refused rather than ignored.
     */
    private static int execute(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub != null && !parsed.matchedOptions().isEmpty()) {
            String flag = parsed.matchedOptions().get(0).longestName();
            String name = sub.commandSpec().name();
            if (!name.equals("check-config")) {
                CommandLine cli = parsed.commandSpec().commandLine();
                cli.getErr()
                        .println("auth-sidecar: " + flag + " configures the sidecar and has no meaning for " + name
                                + "; remove it");
                cli.getErr().flush();
                return EXIT_CONFIG;
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ConfigSource source;
        SidecarConfig cfg;
        try {
            source = source(config, flags, environment);
            // The authenticate stage's files are read once, when Sidecar.start builds the stage it runs with.
            cfg = ConfigCheck.load(source);
        } catch (ConfigException e) {
            return invalid(err, e);
        }
        // The signal handlers go in before anything listens: a SIGTERM that arrives while the sidecar starts
        // (the kubelet may send one at any time) must still end in an orderly stop with exit code 0, not in the
        // JVM's default exit 143.
        CountDownLatch termination = new CountDownLatch(1);
        Runnable restoreSignals = ShutdownSignals.onTermination(termination::countDown);
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(cfg, source.name());
        } catch (ConfigException e) {
            restoreSignals.run();
            return invalid(err, e);
        } catch (StartupException e) {
            restoreSignals.run();
            err.println("auth-sidecar: cannot start: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (config != null) {
            sidecar.watchConfig(source, ReloadTiming.DEFAULT);
        }
        try {
            termination.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sidecar.shutdown();
        return 0;
    }

    /** The file with its overrides: the environment's first, then the flags', so flags win. */
    static ConfigSource source(Path file, ConfigFlags flags, Map<String, String> environment) throws ConfigException {
        List<ConfigOverride> overrides = new ArrayList<>(EnvironmentOverrides.from(environment));
        overrides.addAll(flags.overrides());
        return new ConfigSource(file, overrides);
    }

    static int invalid(PrintWriter err, ConfigException e) {
        err.println("auth-sidecar: invalid configuration: " + e.getMessage());
        err.flush();
        return EXIT_CONFIG;
    }
}
