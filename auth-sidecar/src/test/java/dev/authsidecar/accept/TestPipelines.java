package dev.authsidecar.accept;

import dev.authsidecar.config.ServerConfig;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.record.Recorder;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.function.Supplier;

/** Opens the package-private client pipeline to tests in other packages. */
public final class TestPipelines {
    private TestPipelines() {}

    public static HttpDecoderConfig decoderConfig(ServerConfig config) {
        return ProxyChannelInitializer.decoderConfig(config);
    }

    /**
     * A cleartext client connection's pipeline exactly as the proxy port builds it ({@link ProxyChannelInitializer}),
     * on a registered embedded channel with {@code AUTO_READ} off like the real server's, ready for raw bytes.
     */
    public static EmbeddedChannel client(ServerConfig config, Supplier<Stages> stages, Recorder recorder) {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAutoRead(false);
        ch.pipeline()
                .addLast(new ProxyChannelInitializer(
                        config, stages, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), recorder, null));
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return ch;
    }
}
