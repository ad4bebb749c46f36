package dev.authsidecar.proxy;

import dev.authsidecar.forward.TunnelOffer;
import dev.authsidecar.record.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * A WebSocket upgrade request between its head and the application's answer. What the client sends after the
 * request is the start of the tunnel if the application agrees, and nothing the sidecar may parse as HTTP if it
 * does not; so HTTP decoding stops at the head, and those bytes (at most what one read brought: no further read
 * is issued) wait here.
 */
final class PendingUpgrade {
    private final ArrayDeque<ByteBuf> early = new ArrayDeque<>(2);

    /**
     * Takes the HTTP decoder out of the client's pipeline. It hands on the bytes it already holds at once, as a
     * plain buffer, which the connection's handler passes to {@link #hold}.
     */
    void stopDecoding(ChannelPipeline pipeline) {
        pipeline.get(HttpServerCodec.class).removeInboundHandler();
    }

    void hold(ByteBuf bytes) {
        early.add(bytes);
    }

    /** The request is allowed: what the forward step needs to open the tunnel, with the bytes held so far. */
    TunnelOffer offer(
            ChannelHandler clientHandler,
            ChannelHandler clientDeadlines,
            long idleTimeoutMillis,
            long closeAtEpochSecond,
            Metrics metrics) {
        return new TunnelOffer(clientHandler, clientDeadlines, idleTimeoutMillis, closeAtEpochSecond, metrics, early);
    }

    void release() {
        ByteBuf b;
        while ((b = early.poll()) != null) {
            ReferenceCountUtil.release(b);
        }
    }
}
