package dev.authsidecar.mainservice;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One access-log line per request, e.g. {@code 2026-11-26T21:30:00.123Z GET /ping 200 0.41ms subject=alice},
 * written when the response has been written in full: for an event stream, when the stream ends (or the client
 * leaves); for a WebSocket, at its {@code 101}. One instance per connection.
 */
final class RequestLog extends ChannelDuplexHandler {

    // Fixed millisecond precision: Instant.toString() drops the fraction when it is zero,
    // which makes the lines harder to parse.
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    /** A request whose response has not been fully written yet. */
    private static final class Pending {
        final Instant started = Instant.now();
        final long startNanos = System.nanoTime();
        final String method;
        final String path;
        final String subject;
        int status = -1;

        Pending(HttpRequest request) {
            method = request.method().name();
            String uri = request.uri();
            int query = uri.indexOf('?');
            path = query < 0 ? uri : uri.substring(0, query);
            subject = request.headers().get("X-Auth-Subject");
        }
    }

    private final PrintStream out;
    // Pipelined requests are answered in order, so the oldest pending request owns the next response.
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(2);

    RequestLog(PrintStream out) {
        this.out = out;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            pending.addLast(new Pending(request));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Pending current = pending.peekFirst();
        if (current != null) {
            if (msg instanceof HttpResponse response) {
                current.status = response.status().code();
            }
            if (msg instanceof LastHttpContent) {
                log(pending.removeFirst());
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // An event stream ends when its client leaves: log it with the time it ran.
        Pending current;
        while ((current = pending.pollFirst()) != null) {
            if (current.status != -1) {
                log(current);
            }
        }
        ctx.fireChannelInactive();
    }

    private void log(Pending p) {
        // A single println per line: PrintStream synchronizes each call, so lines from
        // concurrent requests do not interleave.
        out.println(format(p.started, p.method, p.path, p.status, System.nanoTime() - p.startNanos, p.subject));
    }

    static String format(Instant time, String method, String path, int status, long nanos, String subject) {
        return String.format(
                Locale.ROOT,
                "%s %s %s %d %.2fms subject=%s",
                TIME.format(time),
                printable(method),
                printable(path),
                status,
                nanos / 1_000_000.0,
                subject == null || subject.isEmpty() ? "-" : printable(subject));
    }

    /** Values come from the client; keep them from forging extra log lines. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder(value.length());
        value.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
