package dev.authsidecar.forward;

import io.netty.buffer.ByteBuf;

/**
 * Where the WebSocket frames in one direction of a tunnel begin and end, from their headers alone (RFC 6455
 * §5.2): two bytes, an extended length, a masking key, then a payload that is skipped, never read. The sidecar
 * needs this for one thing: a close frame it sends itself must not land inside a frame the application is
 * still sending, or the client would read the close frame's bytes as payload and the stream would be corrupt.
 * Control frames may come between the frames of a fragmented message, so a frame boundary is enough.
 *
 * <p>Costs one look at each header byte; payload bytes are counted, not touched. Confined to one event loop.
 */
final class FrameBoundary {
    private long payloadLeft;
    /** Header bytes seen of the frame in progress; 0 between frames. */
    private int headerSeen;

    private int headerLength;
    private int extendedBytes;
    private long length;

    /** Between two frames: nothing of a frame is pending. */
    boolean atBoundary() {
        return headerSeen == 0 && payloadLeft == 0;
    }

    /**
     * Follows the readable bytes of {@code buf} without moving its indexes.
     *
     * @param stopAtBoundary stop as soon as a frame ends (used when a close frame waits for that moment)
     * @return how many bytes belong up to that frame end, or all of them
     */
    int advance(ByteBuf buf, boolean stopAtBoundary) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int i = start;
        while (i < end) {
            if (payloadLeft > 0) {
                int take = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= take;
                i += take;
            } else {
                header(buf.getByte(i++));
            }
            if (stopAtBoundary && atBoundary()) {
                break;
            }
        }
        return i - start;
    }

    private void header(byte b) {
        int pos = headerSeen++;
        if (pos == 0) {
            headerLength = 2;
            extendedBytes = 0;
            length = 0;
            return;
        }
        if (pos == 1) {
            int len7 = b & 0x7f;
            extendedBytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            headerLength = 2 + extendedBytes + ((b & 0x80) != 0 ? 4 : 0);
            length = len7 < 126 ? len7 : 0;
        } else if (pos < 2 + extendedBytes) {
            length = (length << 8) | (b & 0xff);
        }
        if (headerSeen == headerLength) {
            headerSeen = 0;
            // A length with the top bit set is invalid (RFC 6455 §5.2) and the endpoints refuse it; counting it as
            // the longest possible frame only means the sidecar finds no boundary in this stream any more.
            payloadLeft = length < 0 ? Long.MAX_VALUE : length;
        }
    }
}
