package dev.authsidecar.forward;

import dev.authsidecar.record.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What an allowed WebSocket upgrade request brings to its {@link Exchange}: how the tunnel is to be run if the
 * application answers 101, and the client's bytes that arrived after the request. Those are held, never sent,
 * until the application has agreed to switch protocols: sent before, the application would read them as HTTP.
 *
 * @param clientHandler the client connection's HTTP handler, which the tunnel replaces
 * @param clientDeadlines the client connection's request clocks, which leave with HTTP (the tunnel has its own)
 * @param idleTimeoutMillis no byte either way for this long closes the tunnel
 * @param closeAtEpochSecond when the credential expires and the tunnel is closed; {@code Long.MAX_VALUE} for never
 * @param early the client's bytes that followed the upgrade request, in order; the tunnel sends them on
 */
public record TunnelOffer(
        ChannelHandler clientHandler,
        ChannelHandler clientDeadlines,
        long idleTimeoutMillis,
        long closeAtEpochSecond,
        Metrics metrics,
        ArrayDeque<ByteBuf> early) {

    void releaseEarly() {
        ByteBuf b;
        while ((b = early.poll()) != null) {
            ReferenceCountUtil.release(b);
        }
    }
}
