package dev.authsidecar.authenticate.jwt;

import dev.authsidecar.config.JwtProviderConfig;
import dev.authsidecar.testing.JwksServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Builds provider configs with test-friendly defaults (short fetch timeouts), one setting changed at a time. */
final class Providers {
    String name = "test";
    String issuer;
    List<String> audiences = List.of("api");
    URI jwksUri;
    Path jwksFile;
    List<String> algorithms = List.of("RS256", "PS256", "ES256");
    Duration clockSkew = Duration.ofSeconds(60);
    List<String> requiredClaims = List.of();
    Path hmacSecretFile;
    Duration keysTtl = Duration.ofMinutes(5);
    Duration keysMaxStale = Duration.ofHours(24);
    Duration unknownKidInterval = Duration.ofSeconds(30);
    Duration connectTimeout = Duration.ofMillis(500);
    Duration readTimeout = Duration.ofMillis(700);
    int maxBytes = 64 * 1024;
    Path caFile;
    Path tokenFile;

    static Providers of(String issuer, URI jwksUri) {
        Providers p = new Providers();
        p.issuer = issuer;
        p.jwksUri = jwksUri;
        return p;
    }

    static Providers of(JwksServer idp) {
        return of(idp.issuer(), idp.jwksUri());
    }

    JwtProviderConfig build() {
        return new JwtProviderConfig(
                name,
                issuer,
                audiences,
                jwksUri,
                jwksFile,
                algorithms,
                clockSkew,
                requiredClaims,
                hmacSecretFile,
                keysTtl,
                keysMaxStale,
                unknownKidInterval,
                connectTimeout,
                readTimeout,
                maxBytes,
                caFile,
                tokenFile);
    }
}
