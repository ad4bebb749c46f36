package dev.authsidecar.accept;

import dev.authsidecar.config.ServerConfig;
import io.netty.handler.codec.http.HttpDecoderConfig;

/** Opens the package-private decoder configuration to tests in other packages. */
public final class TestPipelines {
    private TestPipelines() {
    }

    public static HttpDecoderConfig decoderConfig(ServerConfig config) {
        return ProxyChannelInitializer.decoderConfig(config);
    }
}
