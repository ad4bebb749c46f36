package dev.authsidecar.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;

/**
 * The WebSocket close frames the sidecar sends itself, encoded by Netty's frame encoder: a tunnel never parses
 * frames, and this keeps it from writing frame bytes by hand too.
 */
final class CloseFrames {
    /** 1008 Policy Violation: the credential that opened the tunnel has expired. */
    static final Close EXPIRED = new Close(1008, "credential expired");
    /** 1001 Going Away: the sidecar is shutting down. */
    static final Close SHUTDOWN = new Close(1001, "server shutting down");
    /** 1001 Going Away: nothing crossed the tunnel for the idle timeout. */
    static final Close IDLE = new Close(1001, "idle timeout");

    private CloseFrames() {}

    /**
     * One reason to close, as a frame for each side: to the client as a server sends it (unmasked, encoded once
     * and shared), to the application as a client sends it (masked with a fresh key each time, RFC 6455 §5.3).
     */
    static final class Close {
        private final int status;
        private final String reason;
        private final ByteBuf toClient;

        Close(int status, String reason) {
            this.status = status;
            this.reason = reason;
            this.toClient = Unpooled.unreleasableBuffer(
                    encode(new CloseWebSocketFrame(status, reason), false).asReadOnly());
        }

        ByteBuf toClient() {
            return toClient.duplicate();
        }

        ByteBuf toApplication() {
            return encode(new CloseWebSocketFrame(status, reason), true);
        }
    }

    private static ByteBuf encode(CloseWebSocketFrame frame, boolean masked) {
        EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(masked));
        encoder.writeOutbound(frame);
        ByteBuf out = Unpooled.buffer();
        ByteBuf part;
        while ((part = encoder.readOutbound()) != null) {
            out.writeBytes(part);
            part.release();
        }
        encoder.finishAndReleaseAll();
        return out;
    }
}
