package dev.authsidecar.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * RFC 7662 token introspection, for opaque (non-JWT) tokens.
 *
 * @param clientSecretFile file holding the client secret (a mounted Secret), read at start
 * @param cacheTtl longest time an active result is reused; never past the token's {@code exp}
 * @param negativeCacheTtl how long an inactive result is remembered, so a bad token cannot flood the endpoint
 * @param timeout for the whole call; a slow or failed endpoint is answered 503, never allowed
 * @param audiences when not empty, an active answer's {@code aud} must name one of them
 */
public record IntrospectionConfig(
        URI endpoint,
        String clientId,
        Path clientSecretFile,
        Duration cacheTtl,
        Duration negativeCacheTtl,
        Duration timeout,
        int maxResponseBytes,
        Path caFile,
        List<String> audiences) {
    public IntrospectionConfig {
        audiences = List.copyOf(audiences);
    }
}
