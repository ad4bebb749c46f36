package dev.authsidecar.accept;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells a cleartext connection's protocol by its first bytes: the 24-byte HTTP/2 connection preface means HTTP/2
 * with prior knowledge (RFC 9113 §3.3), anything else is HTTP/1.1. It decides at the first byte that differs from
 * the preface, so a short HTTP/1.1 request is never held back waiting for 24 bytes. Then it leaves the pipeline,
 * handing on every byte it saw; the pipeline behind it is HTTP/1.1's unless {@code chooseHttp2} replaced it.
 */
final class PrefaceDetector extends ByteToMessageDecoder {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Consumer<ChannelHandlerContext> chooseHttp2;

    /** @param chooseHttp2 turns the connection's pipeline into HTTP/2's; runs on the connection's event loop */
    PrefaceDetector(Consumer<ChannelHandlerContext> chooseHttp2) {
        this.chooseHttp2 = chooseHttp2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == PREFACE.length) {
            chooseHttp2.accept(ctx);
            ctx.pipeline().remove(this);
        }
    }
}
