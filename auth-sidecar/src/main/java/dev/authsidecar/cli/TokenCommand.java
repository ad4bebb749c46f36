package dev.authsidecar.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authsidecar.config.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Mints a signed JWT with a key from {@code dev-keys}: for trying rules and the demo, not for production. */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Print a JWT signed with a key written by dev-keys.")
final class TokenCommand implements Callable<Integer> {
    @Option(names = "--key", required = true, paramLabel = "FILE", description = "signing-key.json from dev-keys.")
    Path key;

    @Option(names = "--sub", required = true, description = "Subject (sent to the app as X-Auth-Subject).")
    String subject;

    @Option(names = "--aud", defaultValue = "main-service", description = "Audience. Default: ${DEFAULT-VALUE}.")
    String audience;

    @Option(
            names = "--iss",
            defaultValue = DevKeysCommand.DEV_ISSUER,
            description = "Issuer. Default: ${DEFAULT-VALUE}.")
    String issuer;

    @Option(names = "--scope", description = "Space-separated scopes, e.g. \"read write\".")
    String scope;

    @Option(
            names = "--ttl",
            defaultValue = "1h",
            description = "Lifetime (250ms, 5s, 1m, 1h). Default: ${DEFAULT-VALUE}.")
    String ttl;

    @Option(names = "--claim", paramLabel = "NAME=VALUE", description = "Extra string claim; repeatable.")
    Map<String, String> claims = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration lifetime;
        try {
            lifetime = Durations.parse(ttl);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("auth-sidecar token: --ttl: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        JWK jwk = JWK.parse(Files.readString(key));
        if (!jwk.isPrivate()) {
            spec.commandLine().getErr().println("auth-sidecar token: " + key + " holds no private key");
            return Main.EXIT_CONFIG;
        }
        Instant now = Instant.now();
        JWTClaimsSet.Builder claimsSet = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString());
        if (scope != null && !scope.isBlank()) {
            claimsSet.claim("scope", scope.trim());
        }
        claims.forEach(claimsSet::claim);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(algorithm(jwk))
                        .keyID(jwk.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claimsSet.build());
        jwt.sign(signer(jwk));
        spec.commandLine().getOut().println(jwt.serialize());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static JWSAlgorithm algorithm(JWK jwk) {
        if (jwk.getAlgorithm() != null) {
            return JWSAlgorithm.parse(jwk.getAlgorithm().getName());
        }
        return jwk instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
    }

    private static JWSSigner signer(JWK jwk) throws JOSEException {
        if (jwk instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        if (jwk instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        throw new JOSEException("only RSA and EC keys are supported, got " + jwk.getKeyType());
    }
}
