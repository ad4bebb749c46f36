package dev.authsidecar.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.TimeUnit;

/**
 * Closing a client connection once the answer is written. When the client may still be sending a body that
 * was never read, closing at once could reset the connection before the client reads the answer (the kernel
 * discards unread data with a RST); so stop writing, swallow its input for a short while, then close, as
 * nginx's lingering close does.
 */
final class LingeringClose {
    static final long LINGER_MILLIS = 2000;

    private LingeringClose() {}

    static void after(ChannelFuture written, boolean linger) {
        Channel ch = written.channel();
        if (!linger || !(ch instanceof DuplexChannel duplex)) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        written.addListener(f -> {
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            duplex.shutdownOutput();
            ch.config().setAutoRead(true);
            ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }
}
