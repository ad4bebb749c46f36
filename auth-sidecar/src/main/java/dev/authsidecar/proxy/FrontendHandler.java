package dev.authsidecar.proxy;

import dev.authsidecar.net.Drain;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.ClientCertificate;
import dev.authsidecar.authenticate.CredentialMemo;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.forward.Exchange;
import dev.authsidecar.forward.ExchangeListener;
import dev.authsidecar.forward.ExchangeRequest;
import dev.authsidecar.forward.GrpcTimeout;
import dev.authsidecar.forward.TunnelOffer;
import dev.authsidecar.guard.RejectedRequest;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.ProblemResponses;
import dev.authsidecar.rewrite.RequestIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, driven through the request path: guard, authenticate, authorize, rewrite, then
 * an {@link Exchange} forwards it. Reads are explicit ({@code AUTO_READ} is off): the body of a request is not
 * read until the request is authorized and the application's connection is ready for it.
 */
public final class FrontendHandler extends ChannelInboundHandlerAdapter implements ExchangeListener {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    private static final AuthOutcome AUTH_FAILED = new AuthOutcome.Rejected(Failure.AUTH_BACKEND_UNAVAILABLE,
            "the credential could not be checked");

    private enum State {
        /** Waiting for a request head. */
        IDLE,
        /** Answered without forwarding; dropping the rest of that (bodiless) request. */
        SKIPPING_BODY,
        /** Streaming the request body to the application. */
        FORWARDING,
        /** Waiting for a key-set fetch or introspection call; what arrives meanwhile waits in the backlog. */
        AUTHENTICATING,
        /** The request is sent; the response is being relayed. Pipelined requests wait in the backlog. */
        AWAITING_RESPONSE,
        /** No more requests on this connection. */
        CLOSING
    }

    private final Supplier<Stages> stages;
    private final ClientDeadlines deadline;
    private final Recorder recorder;
    private final Upgrades upgrades;
    private final RequestRecord record = new RequestRecord();
    private final CredentialMemo credentials = new CredentialMemo();
    private ChannelHandlerContext ctx;
    private String clientIp;
    private State state = State.IDLE;
    private Exchange exchange;
    private String requestId;
    private boolean keepAlive;
    private boolean draining;
    private boolean pendingHasBody;
    /** The current request is a gRPC call: the sidecar's own answers take gRPC's shape. */
    private boolean grpc;
    private ArrayDeque<Object> backlog;
    /** A WebSocket upgrade request awaiting the application's answer; the connection has left HTTP input. */
    private PendingUpgrade upgrade;

    public FrontendHandler(Supplier<Stages> stages, ClientDeadlines deadline, Recorder recorder, Upgrades upgrades) {
        this(stages, deadline, recorder, upgrades, RequestRecord.HTTP_1_1);
    }

    /** @param protocol what the client speaks on this channel, for the records ({@link RequestRecord#PROTOCOLS}) */
    public FrontendHandler(Supplier<Stages> stages, ClientDeadlines deadline, Recorder recorder, Upgrades upgrades,
            String protocol) {
        record.protocol(protocol);
        this.stages = stages;
        this.deadline = deadline;
        this.recorder = recorder;
        this.upgrades = upgrades;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        clientIp = remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : "unknown";
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf early) {
            // Only after an upgrade request, once the decoder has left: held, never parsed as HTTP.
            if (upgrade != null && state != State.CLOSING) {
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
                record.addBytesIn(content.content().readableBytes());
                if (content instanceof LastHttpContent) {
                    state = State.AWAITING_RESPONSE;
                }
                exchange.onRequestContent(content);
            }
            case AWAITING_RESPONSE, AUTHENTICATING -> {
                if (backlog == null) {
                    backlog = new ArrayDeque<>(4);
                }
                backlog.add(msg);
            }
            case CLOSING -> ReferenceCountUtil.release(msg);
            default -> throw new IllegalStateException(state.name());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.FORWARDING || (state == State.AWAITING_RESPONSE && exchange != null)) {
            exchange.onClientReadComplete();
            if (state == State.AWAITING_RESPONSE && (backlog == null || backlog.isEmpty())
                    && upgrade == null) {
                // The request is complete. A pending read keeps the socket registered for reading: letting
                // Netty drop that interest now and add it back after the response costs two epoll_ctl calls
                // per request. Whatever arrives meanwhile (a pipelined request) waits in the backlog, and a
                // non-empty backlog stops further reads, so at most one read's worth is held.
                ctx.read();
            }
        } else if ((state == State.IDLE || state == State.SKIPPING_BODY) && upgrade == null) {
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
        state = State.CLOSING;
        if (exchange != null) {
            exchange.cancel();
            exchange = null;
        }
        if (record.isActive()) {
            record.status(RequestRecord.CLIENT_CLOSED);
            recorder.complete(record);
        }
        if (backlog != null) {
            backlog.forEach(ReferenceCountUtil::release);
            backlog.clear();
        }
        if (upgrade != null) {
            upgrade.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ClientDeadlines.BODY_TIMEOUT) {
            onBodyTimeout();
        } else if (evt == Drain.INSTANCE) {
            draining = true;
            if (state == State.IDLE && deadline.isIdle()) {
                state = State.CLOSING;
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
        log.debug("client connection {} failed: {}", clientIp, cause.toString());
        ctx.close();
    }

    private void onRequestHead(HttpRequest request) {
        deadline.headReceived();
        keepAlive = false;
        grpc = ProblemResponses.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        requestId = RequestIds.accept(request.headers().get(RequestIds.HEADER));
        record.begin(RequestFacts.methodOf(request), requestId, request.headers().get(TRACEPARENT), clientIp);
        RequestHead head;
        try {
            head = RequestHead.read(request, upgrades, clientCertificate());
        } catch (RejectedRequest e) {
            ReferenceCountUtil.release(request);
            respond(e.failure(), e.getMessage(), true);
            return;
        }
        record.path(head.path());
        keepAlive = HttpUtil.isKeepAlive(request) && !draining;
        if (head.websocket()) {
            // Whatever the client sends after this request is not HTTP if the upgrade succeeds, and cannot be
            // trusted to be HTTP if it does not: stop decoding now (the decoder hands on the bytes it holds) and
            // close the connection after any answer other than a 101.
            keepAlive = false;
            upgrade = new PendingUpgrade();
            upgrade.stopDecoding(ctx.pipeline());
        }
        if (head.unsupportedExpectation()) {
            respond(Failure.EXPECTATION_FAILED, "only Expect: 100-continue is supported", true);
            return;
        }

        Stages s = stages.get();
        AuthOutcome outcome = s.authentication().authenticate(request.headers(), credentials, head.peer());
        if (outcome instanceof AuthOutcome.Pending pending) {
            // Verification needs the network: hold the request (reads stay paused; whatever already arrived
            // waits in the backlog) and resume on this connection's own event loop.
            state = State.AUTHENTICATING;
            pendingHasBody = head.hasBody();
            pending.result().whenComplete((o, e) -> ctx.executor().execute(() -> resume(s, head, o)));
            return;
        }
        proceed(s, head, outcome);
    }

    private void resume(Stages s, RequestHead head, AuthOutcome outcome) {
        if (state != State.AUTHENTICATING) {
            return;
        }
        proceed(s, head, outcome == null ? AUTH_FAILED : outcome);
        replayBacklog();
    }

    /** Authorize, rewrite, forward: the rest of the request path once authentication has an answer. */
    private void proceed(Stages s, RequestHead head, AuthOutcome outcome) {
        HttpRequest request = head.request();
        ClientCertificate peer = head.peer();
        AuthOutcome.Rejected denied = s.policy().check(request.method().name(), head.path(), head.websocket(),
                outcome, RequestFacts.isCorsPreflight(request), peer != null);
        Identity identity = outcome instanceof Identity i ? i : null;
        record.auth(RequestFacts.resultOf(denied, identity),
                identity != null ? identity.method() : denied != null ? s.authentication().methodAttempted(
                        request.headers()) : null,
                identity != null ? identity.subject() : null);
        if (denied != null) {
            // An unread body is never read: the connection closes instead.
            state = State.IDLE;
            respond(denied.failure(), denied.detail(), denied.requiredScope(), head.hasBody());
            return;
        }
        if (grpc && !s.pool().speaksHttp2()) {
            // gRPC needs trailers and full duplex, which HTTP/1.1 to the application cannot carry: say so plainly
            // instead of letting the call fail in some confusing way at the application.
            state = State.IDLE;
            respond(Failure.GRPC_NEEDS_HTTP2, "the sidecar reaches the application over HTTP/1.1; set upstream.protocol"
                    + " to h2c for gRPC", head.hasBody());
            return;
        }
        keepAlive &= !draining;
        s.rewriter().rewrite(request, head.target(), identity, clientIp, requestId, head.chunked(), peer);
        TunnelOffer tunnel = null;
        if (head.websocket()) {
            Upgrades.restoreUpgradeHeaders(request.headers());
            long closeAt = s.closeTunnelsAtExpiry() && identity != null ? identity.expiresAtEpochSecond()
                    : Identity.NEVER;
            tunnel = upgrade.offer(this, deadline, upgrades.idleTimeoutMillis(), closeAt, recorder.metrics());
        }
        state = State.FORWARDING;
        ExchangeRequest forward = new ExchangeRequest(request, requestId, !head.hasBody() ? ExchangeRequest.Body.NONE
                : head.expectContinue() ? ExchangeRequest.Body.AFTER_CONTINUE : ExchangeRequest.Body.STREAMED,
                head.http11(), keepAlive,
                grpc ? GrpcTimeout.shorten(s.responseTimeoutMillis(), request.headers().get(GRPC_TIMEOUT))
                        : s.responseTimeoutMillis(), tunnel);
        exchange = new Exchange(ctx.channel(), this, s.pool(), record, forward);
        exchange.start();
    }

    /** The connection's verified client certificate (set by the TLS handshake); an HTTP/2 stream reads its connection's. */
    private ClientCertificate clientCertificate() {
        Channel ch = ctx.channel() instanceof Http2StreamChannel stream ? stream.parent() : ctx.channel();
        return ch.attr(ClientCertificate.ATTRIBUTE).get();
    }

    @Override
    public void awaitingRequestBody() {
        deadline.awaitingBody();
    }

    private void onBodyTimeout() {
        if (state == State.FORWARDING && exchange != null) {
            abortBody(Failure.REQUEST_BODY_TIMEOUT, "no more of the request body arrived within "
                    + deadline.bodyTimeoutMillis() + " ms");
        }
    }

    /**
     * The request body cannot be completed (the client stopped sending it, or broke its framing). The
     * application's connection is closed without the body's end, so it sees a truncated request, never a
     * complete shorter one; the client gets the failure if no response has started, else just a close.
     */
    private void abortBody(Failure failure, String detail) {
        if (exchange == null) {
            state = State.CLOSING;
            ctx.close();
            return;
        }
        boolean responseStarted = exchange.responseStarted();
        exchange.cancel();
        exchange = null;
        if (responseStarted) {
            recorder.complete(record);
            state = State.CLOSING;
            ctx.close();
        } else {
            respond(failure, detail, true);
        }
    }

    @Override
    public void exchangeFinished(boolean keepAlive) {
        boolean bodyUnread = state == State.FORWARDING;
        exchange = null;
        recorder.complete(record);
        if (!keepAlive || draining || bodyUnread) {
            state = State.CLOSING;
            LingeringClose.after(ctx.writeAndFlush(Unpooled.EMPTY_BUFFER), bodyUnread);
        } else {
            awaitNextRequest();
        }
    }

    @Override
    public void exchangeFailed(Failure failure, String detail) {
        recorder.metrics().upstreamError(failure);
        boolean bodyUnread = state == State.FORWARDING;
        exchange = null;
        respond(failure, detail, bodyUnread || !keepAlive);
    }

    @Override
    public void tunnelOpened() {
        // This handler is about to be replaced by the tunnel's; the request is recorded when the tunnel ends.
        // Anything decoded as HTTP after the upgrade request (a client that pipelined past it) is not HTTP.
        exchange = null;
        upgrade = null;
        state = State.CLOSING;
        if (backlog != null) {
            backlog.forEach(ReferenceCountUtil::release);
            backlog.clear();
        }
    }

    @Override
    public void tunnelClosed() {
        recorder.complete(record);
    }

    /**
     * The client shut its sending side. A complete request is still answered (then the connection closes, as
     * nothing more can arrive); a request cut short is aborted, so the application never sees it complete.
     */
    private void onInputShutdown() {
        keepAlive = false;
        switch (state) {
            case FORWARDING -> abortBody(Failure.MALFORMED_REQUEST,
                    "the client closed its side of the connection before the request body was complete");
            case AWAITING_RESPONSE -> {
                // An upgrade request already closes after any answer but a 101; the tunnel passes the FIN on.
                if (exchange != null && upgrade == null) {
                    exchange.closeAfterResponse();
                }
            }
            case AUTHENTICATING -> {
                if (pendingHasBody) {
                    state = State.CLOSING;
                    ctx.close();
                }
            }
            default -> {
                state = State.CLOSING;
                ctx.close();
            }
        }
    }

    @Override
    public void exchangeAborted() {
        recorder.metrics().upstreamError(Failure.UPSTREAM_RESET);
        recorder.complete(record);
        exchange = null;
        state = State.CLOSING;
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
        FullHttpResponse response = ProblemResponses.of(failure, detail, requestId, requiredScope, grpc);
        record.status(response.status().code());
        if (grpc) {
            record.grpcStatus(failure.grpcStatus());
        }
        record.addBytesOut(response.content().readableBytes());
        recorder.complete(record);
        close |= failure.closesConnection() || draining || !keepAlive;
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            state = State.CLOSING;
            LingeringClose.after(ctx.writeAndFlush(response), true);
        } else if (state == State.AWAITING_RESPONSE) {
            ctx.writeAndFlush(response);
            awaitNextRequest();
        } else {
            ctx.writeAndFlush(response);
            state = State.SKIPPING_BODY;
        }
    }

    private void awaitNextRequest() {
        state = State.IDLE;
        deadline.awaitNextRequest();
        replayBacklog();
    }

    /** Hands on what arrived while the connection was busy, then reads more if the state wants it. */
    private void replayBacklog() {
        while (backlog != null && !backlog.isEmpty() && (state == State.IDLE || state == State.SKIPPING_BODY
                || state == State.FORWARDING)) {
            channelRead(ctx, backlog.poll());
        }
        if (state == State.IDLE || state == State.SKIPPING_BODY) {
            ctx.read();
        } else if (state == State.FORWARDING && exchange != null) {
            exchange.onClientReadComplete();
        }
    }

}
