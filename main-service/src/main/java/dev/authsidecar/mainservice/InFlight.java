package dev.authsidecar.mainservice;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;

/**
 * Counts HTTP exchanges between their request head and the end of their response, so that a stop waits only as
 * long as needed (at most a grace period) instead of a fixed sleep. Long-lived answers are ended by the stop
 * itself: an event stream writes its last chunk and a WebSocket's exchange ends with its 101.
 */
final class InFlight {

    private int active; // guarded by this

    synchronized void begin() {
        active++;
    }

    synchronized void end(int exchanges) {
        active -= exchanges;
        notifyAll();
    }

    synchronized int active() {
        return active;
    }

    /** @return true if no exchange is in flight, false if the timeout elapsed first */
    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active > 0) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                return false;
            }
            wait(remainingMillis);
        }
        return true;
    }

    /** One per connection: a pipelining client may have several exchanges open on it. */
    Tracker tracker() {
        return new Tracker();
    }

    final class Tracker extends ChannelDuplexHandler {
        private int open; // touched on the connection's event loop only

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                open++;
                begin();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof LastHttpContent && open > 0) {
                open--;
                end(1);
            }
            ctx.write(msg, promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // A connection that goes away with exchanges unanswered must not hold a stop for the whole grace.
            if (open > 0) {
                end(open);
                open = 0;
            }
            ctx.fireChannelInactive();
        }
    }
}
