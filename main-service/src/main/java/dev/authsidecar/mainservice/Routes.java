package dev.authsidecar.mainservice;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Every request goes through here, so that unknown paths and wrong methods get JSON errors. WebSocket
 * upgrades of {@value #WS_ECHO} are passed on to Netty's WebSocket handler; everything else is answered here.
 * One instance per connection, because an event stream belongs to its connection.
 */
final class Routes extends ChannelInboundHandlerAdapter {

    static final String ALLOW = "GET, HEAD";
    static final String WS_ECHO = "/ws/echo";
    static final String EVENTS = "/events";

    private static final String IDENTITY_PREFIX = "x-auth-";

    @FunctionalInterface
    private interface Endpoint {
        Object respond(HttpHeaders requestHeaders);
    }

    private static final Map<String, Endpoint> ENDPOINTS = Map.of(
            "/ping", headers -> Map.of("message", "pong"),
            "/healthz", headers -> Map.of("status", "ok"),
            "/whoami", Routes::identityHeaders);

    private final BooleanSupplier stopping;
    /** Requests a pipelining client may queue behind an event stream before it is cut off. */
    private static final int MAX_PIPELINED = 8;

    private EventStream stream; // the event stream running on this connection, if any
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();

    Routes(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg); // WebSocket frames, after an upgrade
            return;
        }
        if (stream == null) {
            handle(ctx, request);
        } else if (waiting.size() < MAX_PIPELINED) {
            // Pipelined behind an event stream: answered, in order, once the stream ends (?count=N).
            waiting.addLast(request);
        } else {
            request.release();
            ctx.close();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean passedOn = false;
        try {
            passedOn = route(ctx, request);
        } catch (RuntimeException e) {
            // Without an answer the client would only see the connection drop.
            System.err.println("main-service: internal error on " + request.method() + " " + request.uri() + ": " + e);
            Json.send(ctx, request.method(), false, 500, Map.of("error", "internal error"));
        } finally {
            if (!passedOn) {
                request.release();
            }
        }
    }

    /** The stream has written its last chunk (or its client left): read again, answer what waited. */
    private void streamEnded(ChannelHandlerContext ctx) {
        stream = null;
        ctx.channel().config().setAutoRead(true);
        FullHttpRequest next;
        while (stream == null && (next = waiting.pollFirst()) != null) {
            if (ctx.channel().isActive()) {
                handle(ctx, next);
            } else {
                next.release();
            }
        }
    }

    /** @return true when the request was handed to the next handler, which then owns it */
    private boolean route(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpMethod method = request.method();
        if (!request.decoderResult().isSuccess()) {
            Json.send(ctx, method, false, 400, Map.of("error", "malformed request"));
            return false;
        }
        QueryStringDecoder target;
        try {
            target = new QueryStringDecoder(new URI(request.uri()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            Json.send(ctx, method, false, 400, Map.of("error", "malformed request target"));
            return false;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path = target.path();
        Endpoint endpoint = ENDPOINTS.get(path);
        if (endpoint != null) {
            if (!isGetOrHead(method)) {
                methodNotAllowed(ctx, method, keepAlive, ALLOW);
            } else {
                Json.send(ctx, method, keepAlive, 200, endpoint.respond(request.headers()));
            }
        } else if (path.equals(EVENTS)) {
            events(ctx, request, target, keepAlive);
        } else if (path.equals(WS_ECHO) && request.uri().startsWith(WS_ECHO)) {
            return webSocket(ctx, request, keepAlive);
        } else {
            Json.send(ctx, method, keepAlive, 404, Map.of("error", "not found"));
        }
        return false;
    }

    private void events(
            ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder target, boolean keepAlive) {
        HttpMethod method = request.method();
        if (!isGetOrHead(method)) {
            methodNotAllowed(ctx, method, keepAlive, ALLOW);
            return;
        }
        if (stopping.getAsBoolean()) {
            Json.send(ctx, method, false, 503, Map.of("error", "stopping"));
            return;
        }
        long count;
        try {
            count = EventStream.count(target.parameters().get("count"));
        } catch (IllegalArgumentException e) {
            Json.send(ctx, method, keepAlive, 400, Map.of("error", e.getMessage()));
            return;
        }
        if (HttpMethod.HEAD.equals(method)) {
            EventStream.head(ctx, keepAlive);
            return;
        }
        long firstId = EventStream.firstId(request.headers().get(EventStream.LAST_EVENT_ID));
        stream = new EventStream(
                ctx, keepAlive, firstId, count, request.headers().get("X-Auth-Subject"), () -> streamEnded(ctx));
        // Nothing more is read while the stream runs (a pipelined request waits for it); a client that leaves
        // is noticed when the next event cannot be written.
        ctx.channel().config().setAutoRead(false);
        stream.start();
    }

    private boolean webSocket(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        HttpMethod method = request.method();
        HttpHeaders headers = request.headers();
        if (!HttpMethod.GET.equals(method)) {
            methodNotAllowed(ctx, method, keepAlive, "GET");
        } else if (!headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                || !headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to.
            Json.send(
                    ctx,
                    method,
                    keepAlive,
                    426,
                    Map.of("error", "this is a WebSocket endpoint: send Connection: Upgrade and Upgrade: websocket"),
                    h -> h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE));
        } else if (stopping.getAsBoolean()) {
            Json.send(ctx, method, false, 503, Map.of("error", "stopping"));
        } else {
            ctx.fireChannelRead(request);
            return true;
        }
        return false;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == MainService.STOPPING && stream != null) {
            stream.end(false);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (stream != null) {
            stream.cancel();
        }
        FullHttpRequest next;
        while ((next = waiting.pollFirst()) != null) {
            next.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes from clients that went away; nothing to answer.
        ctx.close();
    }

    private static boolean isGetOrHead(HttpMethod method) {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
    }

    private static void methodNotAllowed(
            ChannelHandlerContext ctx, HttpMethod method, boolean keepAlive, String allow) {
        Json.send(
                ctx,
                method,
                keepAlive,
                405,
                Map.of("error", "method not allowed"),
                h -> h.set(HttpHeaderNames.ALLOW, allow));
    }

    /** Sorted so the output is stable regardless of the order the proxy sent headers in. */
    static Map<String, String> identityHeaders(HttpHeaders headers) {
        Map<String, List<String>> merged = new TreeMap<>();
        // Case variants of one name are one header; merge them under the canonical spelling.
        headers.forEach(header -> {
            String name = header.getKey();
            if (name.toLowerCase(Locale.ROOT).startsWith(IDENTITY_PREFIX)) {
                merged.computeIfAbsent(canonicalName(name), k -> new ArrayList<>())
                        .add(header.getValue());
            }
        });
        Map<String, String> result = new TreeMap<>();
        merged.forEach((name, values) -> result.put(name, String.join(", ", values)));
        return result;
    }

    static String canonicalName(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean startOfWord = true;
        for (char c : name.toCharArray()) {
            out.append(startOfWord ? Character.toUpperCase(c) : Character.toLowerCase(c));
            startOfWord = c == '-';
        }
        return out.toString();
    }
}
