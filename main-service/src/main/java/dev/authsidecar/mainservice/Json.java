package dev.authsidecar.mainservice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.function.Consumer;

/** Writes JSON responses; the only place that turns an object into a response body. */
final class Json {

    static final String CONTENT_TYPE = "application/json";

    // ObjectMapper is thread-safe once configured, so one instance serves all requests.
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static byte[] bytes(Object body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + body.getClass(), e);
        }
    }

    static ChannelFuture send(
            ChannelHandlerContext ctx, HttpMethod method, boolean keepAlive, int status, Object body) {
        return send(ctx, method, keepAlive, status, body, headers -> {});
    }

    /**
     * A HEAD answer carries the headers of the GET, with its Content-Length, and no body. Without keep-alive the
     * connection is closed once the response is written.
     */
    static ChannelFuture send(
            ChannelHandlerContext ctx,
            HttpMethod method,
            boolean keepAlive,
            int status,
            Object body,
            Consumer<HttpHeaders> extraHeaders) {
        byte[] bytes = bytes(body);
        boolean head = HttpMethod.HEAD.equals(method);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        extraHeaders.accept(response.headers());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }
}
