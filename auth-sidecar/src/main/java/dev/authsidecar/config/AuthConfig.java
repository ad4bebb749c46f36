package dev.authsidecar.config;

import java.util.List;

/**
 * Who may call the application.
 *
 * @param apiKeys every key from {@code auth.apiKeys} and {@code auth.apiKeysFile}
 * @param publicPaths paths that need no credential: exact, or a prefix ending in {@code /**}
 * @param forwardCredential pass the {@code Authorization} header on to the application
 */
public record AuthConfig(List<ApiKey> apiKeys, List<String> publicPaths, boolean forwardCredential) {
    public AuthConfig {
        apiKeys = List.copyOf(apiKeys);
        publicPaths = List.copyOf(publicPaths);
    }
}
