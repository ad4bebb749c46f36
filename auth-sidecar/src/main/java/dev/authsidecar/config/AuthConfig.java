package dev.authsidecar.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Who the caller is: the credentials the sidecar accepts and what it tells the application about them.
 *
 * @param apiKeys every key from {@code auth.apiKeys} and {@code auth.apiKeysFile}
 * @param publicPaths shorthand for {@code allow: anonymous} rules placed before all others
 * @param forwardCredential pass the {@code Authorization} header on to the application
 * @param jwtProviders trusted issuers of JWTs, chosen by the token's {@code iss}
 * @param maxTokenBytes longer bearer tokens are refused before any parsing
 * @param introspection RFC 7662 endpoint for opaque tokens, or {@code null}
 * @param cacheMaxEntries size of the cache of verified tokens
 * @param claimHeaders extra headers for the application: header name → claim name
 * @param payloadHeader header carrying the verified claims as base64url JSON, or {@code null}
 * @param apiKeysFile the file (resolved) that some of {@code apiKeys} were read from, or {@code null}; a reload
 *     watches it
 * @param closeTunnelsAtExpiry close a tunnel when the credential that opened it expires
 * @param mtls how a verified client certificate becomes an identity
 */
public record AuthConfig(
        List<ApiKey> apiKeys,
        List<String> publicPaths,
        boolean forwardCredential,
        List<JwtProviderConfig> jwtProviders,
        int maxTokenBytes,
        IntrospectionConfig introspection,
        int cacheMaxEntries,
        Map<String, String> claimHeaders,
        String payloadHeader,
        Path apiKeysFile,
        boolean closeTunnelsAtExpiry,
        MtlsConfig mtls) {

    public AuthConfig {
        apiKeys = List.copyOf(apiKeys);
        publicPaths = List.copyOf(publicPaths);
        jwtProviders = List.copyOf(jwtProviders);
        claimHeaders = Map.copyOf(claimHeaders);
    }
}
