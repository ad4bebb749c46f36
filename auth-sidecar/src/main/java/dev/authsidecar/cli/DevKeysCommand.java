package dev.authsidecar.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A signing key for development: {@code signing-key.json} (private, for {@code token}) and {@code jwks.json}
 * (public, for a provider's {@code jwksFile}). RS256 because it is the most widely accepted and among the
 * fastest to verify on the JDK.
 */
@Command(
        name = "dev-keys",
        mixinStandardHelpOptions = true,
        description = "Write a fresh RS256 signing key (signing-key.json) and its public JWKS (jwks.json) for "
                + "development, and print the provider config that trusts it.")
final class DevKeysCommand implements Callable<Integer> {
    static final String DEV_ISSUER = "auth-sidecar-dev";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the files to.")
    Path out;

    @Option(names = "--issuer", defaultValue = DEV_ISSUER, description = "Issuer to put in the printed config.")
    String issuer;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, JOSEException {
        Files.createDirectories(out);
        RSAKey key = new RSAKeyGenerator(2048)
                .keyID(UUID.randomUUID().toString())
                .keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.RS256)
                .generate();
        Path privateFile = out.resolve("signing-key.json");
        Files.writeString(privateFile, key.toJSONString());
        try {
            Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing more to do.
        }
        Path jwks = out.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        var w = spec.commandLine().getOut();
        w.println("Wrote " + privateFile + " (private: keep it to yourself) and " + jwks + " (public).");
        w.println("Provider config that trusts it:");
        w.println("  auth:");
        w.println("    jwt:");
        w.println("      providers:");
        w.println("        - name: dev");
        w.println("          issuer: " + issuer);
        w.println("          audiences: [main-service]");
        w.println("          jwksFile: " + jwks.toAbsolutePath());
        w.println("          algorithms: [RS256]");
        w.println("Mint a token: auth-sidecar token --key " + privateFile + " --sub alice --aud main-service");
        w.flush();
        return 0;
    }
}
