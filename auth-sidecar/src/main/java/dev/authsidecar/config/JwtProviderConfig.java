package dev.authsidecar.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One trusted token issuer. Keys come from exactly one source: {@code jwksUri}, {@code jwksFile}, or OpenID
 * Connect discovery ({@code issuer + /.well-known/openid-configuration}) when neither is given.
 *
 * @param audiences the token's {@code aud} must contain one of these
 * @param algorithms accepted {@code alg} values; HMAC ones only together with {@code hmacSecretFile}
 * @param requiredClaims claim names that must be present (beyond {@code exp}, which always is)
 * @param keysTtl how long a fetched key set is used before it is refreshed (refresh starts ahead of that)
 * @param keysMaxStale how long the last good key set keeps being used while the issuer cannot be reached
 * @param unknownKidInterval at most one refetch per this interval for tokens naming a key not in the set
 * @param caFile PEM bundle trusted for the key fetch (e.g. the cluster CA), else the JDK's trust store
 * @param tokenFile bearer token sent with the key fetch, re-read on each fetch (projected service-account
 *     tokens rotate)
 */
public record JwtProviderConfig(
        String name,
        String issuer,
        List<String> audiences,
        URI jwksUri,
        Path jwksFile,
        List<String> algorithms,
        Duration clockSkew,
        List<String> requiredClaims,
        Path hmacSecretFile,
        Duration keysTtl,
        Duration keysMaxStale,
        Duration unknownKidInterval,
        Duration fetchConnectTimeout,
        Duration fetchReadTimeout,
        int fetchMaxBytes,
        Path caFile,
        Path tokenFile) {

    public JwtProviderConfig {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
        requiredClaims = List.copyOf(requiredClaims);
    }

    /** Keys are found through the issuer's discovery document. */
    public boolean usesDiscovery() {
        return jwksUri == null && jwksFile == null;
    }
}
