package dev.authsidecar.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;

/**
 * The WebSocket close frames the sidecar sends to a client itself, encoded once by Netty's server-side
 * (unmasked) encoder and shared: a tunnel never parses frames, and this keeps it from writing frame bytes by
 * hand too.
 */
final class CloseFrames {
    /** 1008 Policy Violation: the credential that opened the tunnel has expired. */
    static final ByteBuf EXPIRED = encode(1008, "credential expired");
    /** 1001 Going Away: the sidecar is shutting down. */
    static final ByteBuf SHUTDOWN = encode(1001, "server shutting down");
    /** 1001 Going Away: nothing crossed the tunnel for the idle timeout. */
    static final ByteBuf IDLE = encode(1001, "idle timeout");

    private CloseFrames() {
    }

    private static ByteBuf encode(int status, String reason) {
        EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        encoder.writeOutbound(new CloseWebSocketFrame(status, reason));
        ByteBuf out = Unpooled.buffer();
        ByteBuf part;
        while ((part = encoder.readOutbound()) != null) {
            out.writeBytes(part);
            part.release();
        }
        encoder.finishAndReleaseAll();
        return Unpooled.unreleasableBuffer(out.asReadOnly());
    }
}
