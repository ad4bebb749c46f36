package dev.authsidecar.cli;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Makes a new random API key and prints it with the config entry that accepts it. */
@Command(
        name = "gen-key",
        mixinStandardHelpOptions = true,
        description = "Generate a random API key and print it with its auth.apiKeys entry (sha256 only).")
final class GenerateKeyCommand implements Callable<Integer> {
    @Option(names = "--name", defaultValue = "demo", description = "Key name, sent to the app as X-Auth-Subject.")
    String name;

    @Option(names = "--env", description = "Print API_KEY=… and API_KEY_SHA256=… lines for scripts.")
    boolean env;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String key = "sk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String hash = HashKeyCommand.sha256Hex(key);
        var out = spec.commandLine().getOut();
        if (env) {
            out.println("API_KEY=" + key);
            out.println("API_KEY_SHA256=" + hash);
        } else {
            out.println("API key (give it to the caller; it is not stored anywhere):");
            out.println("  " + key);
            out.println("Config entry (auth.apiKeys):");
            out.println("  - name: " + name);
            out.println("    sha256: " + hash);
        }
        out.flush();
        return 0;
    }
}
