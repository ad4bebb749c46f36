package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.CredentialMemo;
import dev.authsidecar.forward.Exchange;
import dev.authsidecar.forward.ExchangeListener;
import dev.authsidecar.net.Drain;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.Failure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection (or HTTP/2 stream) as requests pass through it: {@link RequestPath} decides what happens to
 * each request and records it; this handler carries that out on the connection: it reads, holds pipelined
 * requests, writes the sidecar's own answers, runs an {@link Exchange} to forward, and reacts to the clocks
 * ({@link ClientDeadlines}), the client closing and shutdown. Reads are explicit ({@code AUTO_READ} is off): the
 * body of a request is not read until the request is authorized and the application's connection is ready for it.
 */
public final class FrontendHandler extends ChannelInboundHandlerAdapter implements ExchangeListener {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ClientDeadlines deadline;
    private final RequestRecord record = new RequestRecord();
    private final RequestPath path;
    private final Backlog backlog = new Backlog();
    private ChannelHandlerContext ctx;
    private ConnectionState state = ConnectionState.IDLE;
    private Exchange exchange;
    private boolean keepAlive;
    private boolean draining;
    private boolean pendingHasBody;
    /** A WebSocket upgrade request awaiting the application's answer; the connection has left HTTP input. */
    private PendingUpgrade upgrade;

    public FrontendHandler(Supplier<Stages> stages, ClientDeadlines deadline, Recorder recorder, Upgrades upgrades) {
        this(stages, deadline, recorder, upgrades, RequestRecord.HTTP_1_1, new CredentialMemo());
    }

    /**
     * @param protocol what the client speaks on this channel, for the records ({@link RequestRecord#PROTOCOLS})
     * @param credentials the client connection's last verified credential: an HTTP/2 connection's streams share
     *     one, so a client sending the same token on every stream has it verified once, as over HTTP/1.1
     */
    public FrontendHandler(
            Supplier<Stages> stages,
            ClientDeadlines deadline,
            Recorder recorder,
            Upgrades upgrades,
            String protocol,
            CredentialMemo credentials) {
        record.protocol(protocol);
        this.deadline = deadline;
        this.path = new RequestPath(stages, upgrades, recorder, record, this, deadline, credentials);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        path.connected(ctx.channel());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf early) {
            // Only after an upgrade request, once the decoder has left: held, never parsed as HTTP.
            if (upgrade != null && state != ConnectionState.CLOSING) {
                upgrade.hold(early);
            } else {
                early.release();
            }
            return;
        }
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest request) {
                    onRequestHead(request);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case SKIPPING_BODY -> {
                ReferenceCountUtil.release(msg);
                if (msg instanceof LastHttpContent) {
                    awaitNextRequest();
                }
            }
            case FORWARDING -> {
                HttpContent content = (HttpContent) msg;
                if (!content.decoderResult().isSuccess()) {
                    content.release();
                    abortBody(Failure.MALFORMED_REQUEST, "the request body's framing is invalid");
                    return;
                }
                path.addBytesIn(content.content().readableBytes());
                if (content instanceof LastHttpContent) {
                    state = ConnectionState.AWAITING_RESPONSE;
                }
                exchange.onRequestContent(content);
            }
            case AWAITING_RESPONSE, AUTHENTICATING -> backlog.hold(msg);
            case CLOSING -> ReferenceCountUtil.release(msg);
            default -> throw new IllegalStateException(state.name());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == ConnectionState.FORWARDING || (state == ConnectionState.AWAITING_RESPONSE && exchange != null)) {
            exchange.onClientReadComplete();
            if (state == ConnectionState.AWAITING_RESPONSE && backlog.isEmpty() && upgrade == null) {
                // The request is complete. A pending read keeps the socket registered for reading: letting
                // Netty drop that interest now and add it back after the response costs two epoll_ctl calls
                // per request. Whatever arrives meanwhile (a pipelined request) waits in the backlog, and a
                // non-empty backlog stops further reads, so at most one read's worth is held.
                ctx.read();
            }
        } else if (state.readsOnItsOwn() && upgrade == null) {
            // (After an upgrade request nothing more is read from the client until the application's answer.)
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = ConnectionState.CLOSING;
        if (exchange != null) {
            exchange.cancel();
            exchange = null;
        }
        path.clientClosed();
        backlog.releaseAll();
        if (upgrade != null) {
            upgrade.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ClientDeadlines.HEAD_TIMEOUT) {
            onHeadTimeout();
        } else if (evt == ClientDeadlines.BODY_TIMEOUT) {
            onBodyTimeout();
        } else if (evt == Drain.INSTANCE) {
            draining = true;
            if (state == ConnectionState.IDLE && deadline.isIdle()) {
                state = ConnectionState.CLOSING;
                ctx.close();
            } else if (exchange != null) {
                exchange.closeAfterResponse();
            }
        } else if (evt instanceof ChannelInputShutdownEvent) {
            onInputShutdown();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets by clients are routine; anything else is worth a line but never a stack trace per request.
        log.debug("client connection {} failed: {}", path.clientIp(), cause.toString());
        ctx.close();
    }

    private void onRequestHead(HttpRequest request) {
        deadline.headReceived();
        keepAlive = false;
        RequestPath.Step step = path.guard(request);
        if (!(step instanceof RequestHead head)) {
            act(step);
            return;
        }
        keepAlive = HttpUtil.isKeepAlive(request) && !draining;
        if (head.websocket()) {
            // Whatever the client sends after this request is not HTTP if the upgrade succeeds, and cannot be
            // trusted to be HTTP if it does not: stop decoding now (the decoder hands on the bytes it holds) and
            // close the connection after any answer other than a 101.
            keepAlive = false;
            upgrade = new PendingUpgrade();
            upgrade.stopDecoding(ctx.pipeline());
        }
        act(path.authenticate(head, upgrade, keepAlive));
    }

    private void resume(RequestPath.Authenticating pending, AuthOutcome outcome) {
        if (state != ConnectionState.AUTHENTICATING) {
            return;
        }
        keepAlive &= !draining;
        act(path.authorize(pending.stages(), pending.head(), pending.outcome(outcome), upgrade, keepAlive));
        replayBacklog();
    }

    /** Carries out what the request path decided. */
    private void act(RequestPath.Step step) {
        if (step instanceof RequestPath.Answer answer) {
            state = ConnectionState.IDLE;
            respond(answer.failure(), answer.detail(), answer.requiredScope(), answer.bodyUnread());
        } else if (step instanceof RequestPath.Authenticating pending) {
            // Verification needs the network: hold the request (reads stay paused; whatever already arrived
            // waits in the backlog) and resume on this connection's own event loop.
            state = ConnectionState.AUTHENTICATING;
            pendingHasBody = pending.head().hasBody();
            pending.result().whenComplete((o, e) -> ctx.executor().execute(() -> resume(pending, o)));
        } else if (step instanceof RequestPath.Forward forward) {
            state = ConnectionState.FORWARDING;
            exchange = new Exchange(ctx.channel(), this, forward.pool(), record, forward.request());
            exchange.start();
        }
    }

    @Override
    public void awaitingRequestBody() {
        deadline.awaitingBody();
    }

    /**
     * The head clock ran out before a request head was complete (slowloris). Answered and recorded like any other
     * answer; the connection then closes at once: a client this slow gets no lingering read.
     */
    private void onHeadTimeout() {
        if (state != ConnectionState.IDLE) {
            return;
        }
        state = ConnectionState.CLOSING;
        FullHttpResponse response = path.headTimedOut(deadline.headTimeoutMillis());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void onBodyTimeout() {
        if (state == ConnectionState.FORWARDING && exchange != null) {
            abortBody(
                    Failure.REQUEST_BODY_TIMEOUT,
                    "no more of the request body arrived within " + deadline.bodyTimeoutMillis() + " ms");
        }
    }

    /**
     * The request body cannot be completed (the client stopped sending it, or broke its framing). The
     * application's connection is closed without the body's end, so it sees a truncated request, never a
     * complete shorter one; the client gets the failure if no response has started, else just a close.
     */
    private void abortBody(Failure failure, String detail) {
        if (exchange == null) {
            state = ConnectionState.CLOSING;
            ctx.close();
            return;
        }
        boolean responseStarted = exchange.responseStarted();
        exchange.cancel();
        exchange = null;
        if (responseStarted) {
            path.complete();
            state = ConnectionState.CLOSING;
            ctx.close();
        } else {
            respond(failure, detail, true);
        }
    }

    @Override
    public void exchangeFinished(boolean keepAlive) {
        boolean bodyUnread = state == ConnectionState.FORWARDING;
        exchange = null;
        path.complete();
        if (!keepAlive || draining || bodyUnread) {
            state = ConnectionState.CLOSING;
            LingeringClose.after(ctx.writeAndFlush(Unpooled.EMPTY_BUFFER), bodyUnread);
        } else {
            awaitNextRequest();
        }
    }

    @Override
    public void exchangeFailed(Failure failure, String detail) {
        path.upstreamFailed(failure);
        boolean bodyUnread = state == ConnectionState.FORWARDING;
        exchange = null;
        respond(failure, detail, bodyUnread || !keepAlive);
    }

    @Override
    public void tunnelOpened() {
        // This handler is about to be replaced by the tunnel's; the request is recorded when the tunnel ends.
        // Anything decoded as HTTP after the upgrade request (a client that pipelined past it) is not HTTP.
        exchange = null;
        upgrade = null;
        state = ConnectionState.CLOSING;
        backlog.releaseAll();
    }

    @Override
    public void tunnelClosed() {
        path.complete();
    }

    /**
     * The client shut its sending side. A complete request is still answered (then the connection closes, as
     * nothing more can arrive); a request cut short is aborted, so the application never sees it complete.
     */
    private void onInputShutdown() {
        keepAlive = false;
        switch (state) {
            case FORWARDING ->
                abortBody(
                        Failure.MALFORMED_REQUEST,
                        "the client closed its side of the connection before the request body was complete");
            case AWAITING_RESPONSE -> {
                // An upgrade request already closes after any answer but a 101; the tunnel passes the FIN on.
                if (exchange != null && upgrade == null) {
                    exchange.closeAfterResponse();
                }
            }
            case AUTHENTICATING -> {
                if (pendingHasBody) {
                    state = ConnectionState.CLOSING;
                    ctx.close();
                }
            }
            default -> {
                state = ConnectionState.CLOSING;
                ctx.close();
            }
        }
    }

    @Override
    public void exchangeAborted() {
        path.upstreamFailed(Failure.UPSTREAM_RESET);
        path.complete();
        exchange = null;
        state = ConnectionState.CLOSING;
        ctx.close();
    }

    /**
     * Answers the current request with a problem response.
     *
     * @param close the connection cannot carry another request (framing broken or an unread body)
     */
    private void respond(Failure failure, String detail, boolean close) {
        respond(failure, detail, null, close);
    }

    private void respond(Failure failure, String detail, String requiredScope, boolean close) {
        FullHttpResponse response = path.answer(failure, detail, requiredScope);
        close |= failure.closesConnection() || draining || !keepAlive;
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            state = ConnectionState.CLOSING;
            LingeringClose.after(ctx.writeAndFlush(response), true);
        } else if (state == ConnectionState.AWAITING_RESPONSE) {
            ctx.writeAndFlush(response);
            awaitNextRequest();
        } else {
            ctx.writeAndFlush(response);
            state = ConnectionState.SKIPPING_BODY;
        }
    }

    private void awaitNextRequest() {
        state = ConnectionState.IDLE;
        deadline.awaitNextRequest();
        replayBacklog();
    }

    /** Hands on what arrived while the connection was busy, then reads more if the state wants it. */
    private void replayBacklog() {
        while (!backlog.isEmpty() && state.takesInput()) {
            channelRead(ctx, backlog.next());
        }
        if (state.readsOnItsOwn()) {
            ctx.read();
        } else if (state == ConnectionState.FORWARDING && exchange != null) {
            exchange.onClientReadComplete();
        }
    }
}
