package dev.authsidecar.mainservice;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /events}: a server-sent-events stream (text/event-stream, chunked) of one event every
 * {@link #INTERVAL}, each with an {@code id}, until the client leaves, or {@code count} events and then the end
 * of the response. A client reconnecting with {@code Last-Event-ID: N} continues at N+1, as EventSource does.
 * Events are never queued behind a slow reader: a tick that finds the connection's send buffer full is skipped.
 */
final class EventStream {

    static final Duration INTERVAL = Duration.ofMillis(250);
    static final long MAX_COUNT = 100_000;
    static final String LAST_EVENT_ID = "Last-Event-ID";
    static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final long count; // 0: until the client leaves
    private final String subject;
    private final Runnable onEnd;
    private long nextId;
    private long sent;
    private ScheduledFuture<?> ticks;
    private boolean ended;

    EventStream(
            ChannelHandlerContext ctx, boolean keepAlive, long firstId, long count, String subject, Runnable onEnd) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.nextId = firstId;
        this.count = count;
        this.subject = subject;
        this.onEnd = onEnd;
    }

    /** The {@code count} query parameter: absent means unbounded (0). */
    static long count(List<String> values) {
        if (values == null || values.isEmpty()) {
            return 0;
        }
        String message = "count must be a whole number from 1 to " + MAX_COUNT;
        if (values.size() > 1) {
            throw new IllegalArgumentException(message + ", given once");
        }
        long n;
        try {
            n = Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(message);
        }
        if (n < 1 || n > MAX_COUNT) {
            throw new IllegalArgumentException(message);
        }
        return n;
    }

    /** The first id to send: one past a valid {@code Last-Event-ID}; an unusable one starts again at 1. */
    static long firstId(String lastEventId) {
        if (lastEventId != null) {
            try {
                long last = Long.parseLong(lastEventId.strip());
                if (last >= 0 && last < Long.MAX_VALUE) {
                    return last + 1;
                }
            } catch (NumberFormatException e) {
                // A resume hint only: fall through to a fresh stream.
            }
        }
        return 1;
    }

    /** HEAD: the head a GET would get, no body. */
    static void head(ChannelHandlerContext ctx, boolean keepAlive) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        streamHeaders(response.headers());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    private static void streamHeaders(HttpHeaders headers) {
        headers.set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                // Asks buffering proxies (nginx and the like) to pass each event on at once.
                .set("X-Accel-Buffering", "no");
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }

    void start() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        streamHeaders(response.headers());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(response);
        ticks = ctx.executor().scheduleAtFixedRate(this::tick, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (ended) {
            return;
        }
        if (!ctx.channel().isActive()) {
            cancel();
            return;
        }
        if (!ctx.channel().isWritable()) {
            return; // the client reads more slowly than we write: skip this one rather than queue it
        }
        long id = nextId++;
        ctx.writeAndFlush(new DefaultHttpContent(event(id)));
        sent++;
        if (count > 0 && sent >= count) {
            end(keepAlive);
        }
    }

    private ByteBuf event(long id) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", id);
        data.put("time", Instant.now().toString());
        if (subject != null && !subject.isEmpty()) {
            data.put("subject", subject);
        }
        // Jackson escapes line breaks inside strings, so the JSON is one "data:" line.
        String text = "id: " + id + "\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n";
        return ctx.alloc().buffer(text.length()).writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Ends the response properly; {@code reuse} false closes the connection afterwards (the server stops). */
    void end(boolean reuse) {
        if (ended) {
            return;
        }
        stopTicks();
        if (reuse) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
        // After the last chunk: a request that waited behind the stream is answered after it, not inside it.
        onEnd.run();
    }

    /** Stops the ticks, e.g. because the client left; nothing more is written. */
    void cancel() {
        if (ended) {
            return;
        }
        stopTicks();
        onEnd.run();
    }

    private void stopTicks() {
        ended = true;
        if (ticks != null) {
            ticks.cancel(false);
        }
    }
}
