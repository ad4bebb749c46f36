package dev.authsidecar.accept;

import dev.authsidecar.config.ServerConfig;
import dev.authsidecar.proxy.FrontendHandler;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.proxy.Upgrades;
import dev.authsidecar.record.Recorder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.function.Supplier;

/**
 * The client connection's pipeline: deadline, strict HTTP/1.1 codec, then the request path. With HTTP/2 on, a
 * {@link PrefaceDetector} sits in front of the codec and hands the connection to {@link Http2Server} when it
 * opens with the HTTP/2 preface.
 */
final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {
    static final String DEADLINE = "deadline";
    static final String DETECT = "detect";
    static final String HTTP = "http";
    static final String PROXY = "proxy";

    private final ServerConfig config;
    private final Supplier<Stages> stages;
    private final ChannelGroup connections;
    private final Recorder recorder;
    private final Http2Server http2;

    ProxyChannelInitializer(ServerConfig config, Supplier<Stages> stages, ChannelGroup connections,
            Recorder recorder) {
        this.config = config;
        this.stages = stages;
        this.connections = connections;
        this.recorder = recorder;
        this.http2 = new Http2Server(config, stages, recorder);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        ChannelPipeline p = ch.pipeline();
        ClientDeadlines deadline = new ClientDeadlines(config.requestHeadTimeout().toMillis(),
                config.requestBodyTimeout().toMillis(), config.idleTimeout().toMillis());
        p.addLast(DEADLINE, deadline);
        if (config.http2().enabled()) {
            p.addLast(DETECT, new PrefaceDetector(ctx -> http2.install(ctx.pipeline(), DETECT)));
        }
        p.addLast(HTTP, new HttpServerCodec(decoderConfig(config)));
        p.addLast(PROXY, new FrontendHandler(stages, deadline, recorder,
                new Upgrades(config.websocketTunnels(), config.tunnelIdleTimeout().toMillis())));
    }

    /**
     * Every leniency off, stated here rather than inherited, so a system property cannot loosen it: CR LF
     * line endings only, no duplicate Content-Length (for HTTP/1.0 too), Content-Length with Transfer-Encoding
     * refused, header names and values validated.
     */
    static HttpDecoderConfig decoderConfig(ServerConfig config) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxRequestLineBytes())
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setMaxChunkSize(16384)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setHeadersFactory(StrictHeadersFactory.INSTANCE)
                .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory());
    }
}
