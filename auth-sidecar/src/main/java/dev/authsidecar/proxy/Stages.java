package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authorize.AccessPolicy;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.rewrite.RequestRewriter;

/** The request path's stages as built from one configuration. Immutable and shared by all connections. */
public record Stages(
        Authentication authentication,
        AccessPolicy policy,
        RequestRewriter rewriter,
        UpstreamPool pool,
        long responseTimeoutMillis) {

    public static Stages of(SidecarConfig config, UpstreamPool pool) {
        return new Stages(
                new Authentication(config.auth()),
                new AccessPolicy(config.auth().publicPaths()),
                new RequestRewriter(config.auth().forwardCredential(), config.server().trustForwardedHeaders(),
                        config.upstream().authority()),
                pool,
                config.upstream().responseHeadTimeout().toMillis());
    }
}
