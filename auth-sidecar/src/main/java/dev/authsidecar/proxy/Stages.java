package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authorize.AccessPolicy;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.Upstreams;
import dev.authsidecar.rewrite.IdentityHeaders;
import dev.authsidecar.rewrite.RequestRewriter;

/** The request path's stages as built from one configuration. Immutable and shared by all connections. */
public record Stages(
        Authentication authentication,
        AccessPolicy policy,
        RequestRewriter rewriter,
        Upstreams upstreams,
        long responseTimeoutMillis,
        boolean closeTunnelsAtExpiry) {

    public static Stages of(SidecarConfig config, Authentication authentication, Upstreams upstreams) {
        return new Stages(
                authentication,
                new AccessPolicy(config.auth().publicPaths(), config.authorization()),
                new RequestRewriter(
                        config.auth().forwardCredential(),
                        config.server().trustForwardedHeaders(),
                        config.server().secure(),
                        config.upstream().authority(),
                        new IdentityHeaders(
                                config.auth().claimHeaders(), config.auth().payloadHeader()),
                        config.auth().mtls().forwardClientCert()),
                upstreams,
                config.upstream().responseHeadTimeout().toMillis(),
                config.auth().closeTunnelsAtExpiry());
    }
}
