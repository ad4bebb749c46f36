package dev.authsidecar.testing;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.config.ApiKey;
import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.forward.Upstreams;
import dev.authsidecar.proxy.Stages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The authenticate stage and the stages around it for tests that need API keys only: no JWT provider, no
 * introspection, so no thread and no network. Built with the production constructors; main code has no
 * test-only shortcut for this.
 */
public final class ApiKeysOnly {
    /**
     * Handed to {@link Authentication}, which only passes it to JWT providers and introspection; without them it
     * is never used, so it never starts a thread.
     */
    private static final ScheduledExecutorService UNUSED = new ScheduledThreadPoolExecutor(0);

    private ApiKeysOnly() {}

    /** The production defaults for everything under {@code auth} except these three. */
    public static AuthConfig auth(List<ApiKey> apiKeys, List<String> publicPaths, boolean forwardCredential) {
        AuthConfig d = defaults().auth();
        return new AuthConfig(
                apiKeys,
                publicPaths,
                forwardCredential,
                d.jwtProviders(),
                d.maxTokenBytes(),
                d.introspection(),
                d.cacheMaxEntries(),
                d.claimHeaders(),
                d.payloadHeader(),
                d.apiKeysFile(),
                d.closeTunnelsAtExpiry(),
                d.mtls());
    }

    public static Authentication authentication(AuthConfig auth) {
        if (!auth.jwtProviders().isEmpty() || auth.introspection() != null) {
            throw new IllegalArgumentException("JWT providers or introspection need a real executor");
        }
        try {
            return new Authentication(auth, UNUSED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stages as {@code Sidecar} builds them, around an API-keys-only authenticate stage. */
    public static Stages stages(SidecarConfig config, UpstreamPool pool) {
        return Stages.of(config, authentication(config.auth()), Upstreams.of(pool));
    }

    private static SidecarConfig defaults() {
        try {
            return ConfigLoader.defaults();
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }
}
