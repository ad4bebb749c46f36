package dev.authsidecar.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints the SHA-256 of a key read from standard input, for the {@code sha256} field of a key entry. */
@Command(name = "hash-key", mixinStandardHelpOptions = true,
        description = "Read an API key from standard input and print its hex SHA-256 for auth.apiKeys.")
final class HashKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        if (line == null || line.isBlank()) {
            spec.commandLine().getErr().println("auth-sidecar hash-key: no key on standard input");
            return Main.EXIT_CONFIG;
        }
        spec.commandLine().getOut().println(sha256Hex(line.trim()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
