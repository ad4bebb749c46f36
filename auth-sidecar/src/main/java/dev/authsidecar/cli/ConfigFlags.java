package dev.authsidecar.cli;

import dev.authsidecar.config.ConfigOverride;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags that override single keys of the file; shared by the run command and check-config. */
final class ConfigFlags {
    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Proxy listen address (server.listen). Default: 0.0.0.0:8081.")
    String listen;

    @Option(names = "--upstream", paramLabel = "URL",
            description = "The application (upstream.url). Default: http://127.0.0.1:8080.")
    String upstream;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
            description = "Health and readiness address (admin.listen). Default: 0.0.0.0:9901.")
    String adminListen;

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
