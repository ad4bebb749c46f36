package dev.authsidecar.cli;

import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigOverride;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags that override single keys of the file; shared by the run command and check-config. */
final class ConfigFlags {
    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            description = "Proxy listen address (server.listen). Default: 0.0.0.0:8081.")
    String listen;

    @Option(
            names = "--upstream",
            paramLabel = "URL",
            description = "The application (upstream.url). Default: http://127.0.0.1:8080.")
    String upstream;

    @Option(
            names = "--admin-listen",
            paramLabel = "HOST:PORT",
            description = "Health and readiness address (admin.listen). Default: 0.0.0.0:9901.")
    String adminListen;

    /**
     * The flags given before and after a subcommand, as one set. The same flag on both sides is accepted only
     * with the same value: which one should win is not obvious to a reader of the command line.
     */
    static ConfigFlags merge(ConfigFlags before, ConfigFlags after) throws ConfigException {
        ConfigFlags merged = new ConfigFlags();
        merged.listen = either("--listen", before.listen, after.listen);
        merged.upstream = either("--upstream", before.upstream, after.upstream);
        merged.adminListen = either("--admin-listen", before.adminListen, after.adminListen);
        return merged;
    }

    static <T> T either(String flag, T before, T after) throws ConfigException {
        if (before != null && after != null && !before.equals(after)) {
            throw new ConfigException(
                    flag,
                    "",
                    "given twice with different values ('" + before + "' before the " + "subcommand, '" + after
                            + "' after it)");
        }
        return after != null ? after : before;
    }

    List<ConfigOverride> overrides() {
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
