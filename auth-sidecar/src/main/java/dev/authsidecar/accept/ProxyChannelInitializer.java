package dev.authsidecar.accept;

import dev.authsidecar.config.ServerConfig;
import dev.authsidecar.net.StrictHeadersFactory;
import dev.authsidecar.proxy.ClientDeadlines;
import dev.authsidecar.proxy.FrontendHandler;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.proxy.Upgrades;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.tls.ServerTls;
import dev.authsidecar.tls.TlsHandshake;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client connection's pipeline: TLS when configured, deadline, strict HTTP/1.1 codec, then the request path.
 * With HTTP/2 on and no TLS, a {@link PrefaceDetector} sits in front of the codec and hands the connection to
 * {@link Http2Server} when it opens with the HTTP/2 preface (prior knowledge); over TLS, ALPN offers {@code h2}
 * and {@link TlsHandshake} hands the connection to the same {@link Http2Server} when the client picks it.
 */
final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
    private static final Logger log = LoggerFactory.getLogger(ProxyChannelInitializer.class);
    /** A flood of refused connections is one log line per interval, with the count. */
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    static final String DEADLINE = "deadline";
    static final String DETECT = "detect";
    static final String HTTP = "http";
    static final String PROXY = "proxy";

    private final ServerConfig config;
    private final Supplier<Stages> stages;
    private final ChannelGroup connections;
    private final Recorder recorder;
    /** {@code null}: cleartext. */
    private final ServerTls tls;

    private final Http2Server http2;
    private final LongAdder refused = new LongAdder();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private final AtomicLong refusedSinceLog = new AtomicLong();

    ProxyChannelInitializer(
            ServerConfig config, Supplier<Stages> stages, ChannelGroup connections, Recorder recorder, ServerTls tls) {
        this.config = config;
        this.tls = tls;
        this.stages = stages;
        this.connections = connections;
        this.recorder = recorder;
        this.http2 = new Http2Server(config, stages, recorder);
    }

    /** Any {@link Channel}, not only a socket's: the tests feed this very pipeline through an embedded channel. */
    @Override
    protected void initChannel(Channel ch) {
        // Checked and added on each connection's own loop, so with several loops the limit may be passed by up to
        // one connection per loop at once: it bounds memory, it is not an exact count.
        if (connections.size() >= config.maxConnections()) {
            refuse(ch);
            return;
        }
        connections.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            addTls(p);
        }
        ClientDeadlines deadline = new ClientDeadlines(
                config.requestHeadTimeout().toMillis(),
                config.requestBodyTimeout().toMillis(),
                config.idleTimeout().toMillis());
        p.addLast(DEADLINE, deadline);
        if (config.http2().enabled() && tls == null) {
            p.addLast(DETECT, new PrefaceDetector(ctx -> http2.install(ctx.pipeline(), DETECT)));
        }
        p.addLast(HTTP, new HttpServerCodec(decoderConfig(config)));
        p.addLast(
                PROXY,
                new FrontendHandler(
                        stages,
                        deadline,
                        recorder,
                        new Upgrades(
                                config.websocketTunnels(),
                                config.tunnelIdleTimeout().toMillis())));
    }

    /**
     * Past {@code server.maxConnections}: closed before anything is read or allocated for it, as nginx does when
     * its {@code worker_connections} are used up. The client sees the connection closed; nothing is answered,
     * since nothing of its request (nor even its protocol) is known yet.
     */
    private void refuse(Channel ch) {
        refused.increment();
        refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            log.warn(
                    "refused {} client connection(s): {} are open, the limit (server.maxConnections)",
                    refusedSinceLog.getAndSet(0),
                    config.maxConnections());
        }
        ch.close();
    }

    /** Connections closed at once because {@code server.maxConnections} were open. */
    long refusedConnections() {
        return refused.sum();
    }

    /**
     * TLS first: everything behind it sees plaintext. The handler comes from the certificate material in force
     * now, so a rotation affects only connections accepted after it. {@link TlsHandshake} counts failed handshakes
     * and is where the negotiated ALPN protocol picks the pipeline.
     */
    private void addTls(ChannelPipeline p) {
        p.addLast("tls", tls.newHandler(p.channel().alloc()));
        p.addLast("tls-handshake", new TlsHandshake(tls, pipeline -> http2.install(pipeline, "tls")));
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
