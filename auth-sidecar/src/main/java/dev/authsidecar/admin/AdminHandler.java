package dev.authsidecar.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authsidecar.authenticate.jwt.KeySetStatus;
import dev.authsidecar.record.Metrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/** {@code GET /healthz} and {@code GET /readyz}. Nothing here is proxied or authenticated. */
final class AdminHandler extends ChannelInboundHandlerAdapter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Readiness readiness;
    private final Metrics metrics;
    private final Bootstrap probe;
    private final List<InetSocketAddress> upstreams;

    AdminHandler(Readiness readiness, Bootstrap probe, List<InetSocketAddress> upstreams, Metrics metrics) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.probe = probe;
        this.upstreams = upstreams;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        FullHttpRequest request = (FullHttpRequest) msg;
        try {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String path = request.uri().split("\\?", 2)[0];
            if (!request.decoderResult().isSuccess()) {
                send(ctx, HttpResponseStatus.BAD_REQUEST, status("malformed request"), false);
            } else if (!request.method().equals(HttpMethod.GET)
                    && !request.method().equals(HttpMethod.HEAD)) {
                send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, status("use GET"), keepAlive);
            } else if (path.equals("/healthz")) {
                send(ctx, HttpResponseStatus.OK, status("ok"), keepAlive);
            } else if (path.equals("/readyz")) {
                ready(ctx, keepAlive);
            } else if (path.equals("/metrics")) {
                metrics(ctx, keepAlive);
            } else {
                send(ctx, HttpResponseStatus.NOT_FOUND, status("not found"), keepAlive);
            }
        } finally {
            request.release();
        }
    }

    private void ready(ChannelHandlerContext ctx, boolean keepAlive) {
        if (readiness.isDraining()) {
            send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, status("draining"), keepAlive);
            return;
        }
        if (!readiness.isListening()) {
            send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, status("not listening"), keepAlive);
            return;
        }
        probe(ctx, keepAlive, 0);
    }

    /**
     * A TCP connect is the cheapest honest answer to "would a request get through right now". Every application
     * endpoint is checked in turn (upstream.url, then upstream.grpc.url): a Pod whose gRPC port is down is not
     * ready either, and the answer names the endpoint that failed.
     */
    private void probe(ChannelHandlerContext ctx, boolean keepAlive, int index) {
        if (index == upstreams.size()) {
            send(ctx, HttpResponseStatus.OK, withKeySets(status("ready")), keepAlive);
            return;
        }
        InetSocketAddress upstream = upstreams.get(index);
        probe.clone(ctx.channel().eventLoop())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Readiness.UPSTREAM_CHECK_TIMEOUT.toMillis())
                .connect(upstream)
                .addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        f.channel().close();
                        probe(ctx, keepAlive, index + 1);
                    } else {
                        ObjectNode body = status("upstream unavailable");
                        body.put("upstream", upstream.getHostString() + ":" + upstream.getPort());
                        send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, withKeySets(body), keepAlive);
                    }
                });
    }

    /** Key sets of the JWT providers: detail for operators, not a readiness condition (see {@link Readiness}). */
    private ObjectNode withKeySets(ObjectNode body) {
        List<KeySetStatus> keySets = readiness.keySets();
        if (!keySets.isEmpty()) {
            ArrayNode list = body.putArray("keySets");
            for (KeySetStatus k : keySets) {
                ObjectNode entry =
                        list.addObject().put("provider", k.provider()).put("hasKeys", k.hasKeys());
                if (k.age() != null) {
                    entry.put("ageSeconds", k.age().toSeconds());
                }
                if (k.lastError() != null) {
                    entry.put("lastError", k.lastError());
                }
                if (k.weakKeysSkipped() > 0) {
                    entry.put("weakKeysSkipped", k.weakKeysSkipped());
                }
            }
        }
        return body;
    }

    private void metrics(ChannelHandlerContext ctx, boolean keepAlive) {
        ByteBuf buf = ctx.alloc().buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            metrics.write(out);
        } catch (IOException e) {
            buf.release();
            send(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, status("metrics unavailable"), keepAlive);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buf);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static ObjectNode status(String status) {
        return JSON.createObjectNode().put("status", status);
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, ObjectNode body, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
