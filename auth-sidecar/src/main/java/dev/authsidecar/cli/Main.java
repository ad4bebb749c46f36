package dev.authsidecar.cli;

import dev.authsidecar.Sidecar;
import dev.authsidecar.StartupException;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.ConfigOverride;
import dev.authsidecar.config.SidecarConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code auth-sidecar}: runs the proxy; subcommands help with keys. */
@Command(name = "auth-sidecar",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        description = "Authenticating sidecar proxy: verifies the caller's bearer token and forwards allowed "
                + "requests to the application beside it.",
        subcommands = {GenerateKeyCommand.class, HashKeyCommand.class, DevKeysCommand.class, TokenCommand.class})
public final class Main implements Callable<Integer> {
    static final int EXIT_CONFIG = 2;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Proxy listen address (server.listen). Default: 0.0.0.0:8081.")
    String listen;

    @Option(names = "--upstream", paramLabel = "URL",
            description = "The application (upstream.url). Default: http://127.0.0.1:8080.")
    String upstream;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
            description = "Health and readiness address (admin.listen). Default: 0.0.0.0:9901.")
    String adminListen;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        // picocli already exits with 2 (usage) on an unknown or malformed flag.
        return new CommandLine(new Main());
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SidecarConfig cfg;
        try {
            cfg = ConfigLoader.load(config, overrides());
        } catch (ConfigException e) {
            err.println("auth-sidecar: invalid configuration: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(cfg);
        } catch (StartupException e) {
            err.println("auth-sidecar: cannot start: " + e.getMessage());
            err.flush();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownSignals.onTermination(() -> {
            sidecar.shutdown();
            stopped.countDown();
        });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private List<ConfigOverride> overrides() {
        List<ConfigOverride> out = new ArrayList<>();
        if (listen != null) {
            out.add(new ConfigOverride("server.listen", listen, "--listen"));
        }
        if (upstream != null) {
            out.add(new ConfigOverride("upstream.url", upstream, "--upstream"));
        }
        if (adminListen != null) {
            out.add(new ConfigOverride("admin.listen", adminListen, "--admin-listen"));
        }
        return out;
    }
}
