package dev.authsidecar.forward;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The response on its way to the client. The head is held until the rest of the same read from the application
 * has arrived: when the end is there too (a small response, the common case), head and body go to the client as
 * one message, which the encoder writes as one buffer (one write(2) instead of a writev of two, one pass down the
 * pipeline instead of two). Otherwise the head goes out on its own at the end of the read. Writes use void
 * promises: nothing listens to them, and a failed one reaches the client handler's exceptionCaught.
 */
final class ResponseWriter {
    private final Channel client;
    private HttpResponse heldHead;

    ResponseWriter(Channel client) {
        this.client = client;
    }

    /** The rewritten head; it leaves with the body's end or at the end of this read, whichever comes first. */
    void head(HttpResponse response) {
        heldHead = response;
    }

    /** A piece of the body that is not its end. */
    void content(HttpContent content) {
        writeHeldHead();
        client.write(content, client.voidPromise());
    }

    /** The body's end, with the trailers; flushed by the caller when the exchange finishes. */
    void last(LastHttpContent last) {
        if (heldHead == null) {
            client.write(last, client.voidPromise());
            return;
        }
        HttpResponse head = heldHead;
        heldHead = null;
        client.write(
                new DefaultFullHttpResponse(
                        head.protocolVersion(), head.status(), last.content(), head.headers(), last.trailingHeaders()),
                client.voidPromise());
    }

    /** The application's read burst is over: what it brought goes out now. */
    void endOfRead() {
        writeHeldHead();
        client.flush();
    }

    /** The response is abandoned (the connection is cut): a held head is never written. */
    void drop() {
        heldHead = null;
    }

    private void writeHeldHead() {
        if (heldHead != null) {
            client.write(heldHead, client.voidPromise());
            heldHead = null;
        }
    }
}
