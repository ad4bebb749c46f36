package dev.authsidecar.accept;

import dev.authsidecar.authenticate.CredentialMemo;
import dev.authsidecar.config.Http2Config;
import dev.authsidecar.config.ServerConfig;
import dev.authsidecar.proxy.ClientDeadlines;
import dev.authsidecar.proxy.FrontendHandler;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.proxy.Upgrades;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.record.RequestRecord;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the HTTP/2 side of a client connection: Netty's frame codec and stream multiplexer on the connection,
 * and on each stream's child channel the same request path an HTTP/1.1 connection runs (deadlines, then
 * {@link FrontendHandler}), behind Netty's stream-to-HTTP-object codec. The one place the protocol turns into
 * HTTP/2, whatever chose it (the cleartext preface today, TLS ALPN later).
 */
final class Http2Server {
    /**
     * Limits on what a client makes the sidecar do without sending requests, enforced by Netty's codec: resets it
     * sends (rapid reset, CVE-2023-44487), resets it provokes the sidecar into sending ("MadeYouReset",
     * CVE-2025-55163), and empty DATA frames. Past a limit the connection ends with GOAWAY ENHANCE_YOUR_CALM.
     */
    static final int MAX_RST_FRAMES = 200;

    static final int RST_WINDOW_SECONDS = 30;
    static final int MAX_EMPTY_DATA_FRAMES = 2;

    private final ServerConfig config;
    private final Supplier<Stages> stages;
    private final Recorder recorder;

    Http2Server(ServerConfig config, Supplier<Stages> stages, Recorder recorder) {
        this.config = config;
        this.stages = stages;
        this.recorder = recorder;
    }

    /**
     * Replaces the HTTP/1.1 handlers behind {@code after} with HTTP/2's. Bytes already read pass on to the frame
     * codec when {@code after} leaves the pipeline.
     */
    void install(ChannelPipeline p, String after) {
        p.remove(ProxyChannelInitializer.HTTP);
        p.remove(ProxyChannelInitializer.PROXY);
        Http2Config h2 = config.http2();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .initialWindowSize(h2.initialWindowSize())
                .maxHeaderListSize(h2.maxHeaderListSize())
                .maxFrameSize(h2.maxFrameSize());
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                // RFC 9113 §8.2 and §8.3 checks done by Netty's decoder: field names, connection-specific fields,
                // te other than trailers, pseudo-header placement, duplicates and presence, content-length
                // against the DATA frames. Each failure is a stream error (RST_STREAM PROTOCOL_ERROR).
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .gracefulShutdownTimeoutMillis(config.idleTimeout().toMillis())
                .build();
        // The connection is idle when nothing moves in either direction; Http2Lifecycle then closes it, but only
        // if no stream is open (an open stream is under its own request deadlines).
        p.addAfter(
                after,
                "h2-idle",
                new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addAfter("h2-idle", "h2", codec);
        p.addAfter("h2", "h2-streams", new Http2MultiplexHandler(new StreamInitializer()));
        p.addAfter("h2-streams", "h2-connection", new Http2Lifecycle(codec, h2));
        if (p.get(ProxyChannelInitializer.DEADLINE) != null) {
            p.remove(ProxyChannelInitializer.DEADLINE);
        }
        // The frame codec must keep reading: SETTINGS, PING and WINDOW_UPDATE arrive on the connection. Bodies are
        // still read only when asked for: a stream's DATA waits in its child channel (AUTO_READ off there), and its
        // window is replenished only as the request path consumes it.
        p.channel().config().setAutoRead(true);
    }

    /** One stream, one request: the HTTP/1.1 request path behind the stream-to-HTTP codec. */
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        /** One per connection: its streams run on the connection's loop, one at a time. */
        private final CredentialMemo credentials = new CredentialMemo();

        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.config().setAutoRead(false);
            ChannelPipeline p = ch.pipeline();
            ClientDeadlines deadline = new ClientDeadlines(
                    config.requestHeadTimeout().toMillis(),
                    config.requestBodyTimeout().toMillis(),
                    config.idleTimeout().toMillis());
            p.addLast(ProxyChannelInitializer.DEADLINE, deadline);
            p.addLast(ProxyChannelInitializer.HTTP, new Http2StreamFrameToHttpObjectCodec(true, true));
            p.addLast("h2-request", new Http2RequestAdapter());
            // WebSocket over HTTP/2 (RFC 8441 extended CONNECT) is not offered: no tunnels on a stream.
            p.addLast(
                    ProxyChannelInitializer.PROXY,
                    new FrontendHandler(
                            stages,
                            deadline,
                            recorder,
                            new Upgrades(false, config.tunnelIdleTimeout().toMillis()),
                            config.tls() != null ? RequestRecord.H2 : RequestRecord.H2C,
                            credentials));
        }
    }
}
