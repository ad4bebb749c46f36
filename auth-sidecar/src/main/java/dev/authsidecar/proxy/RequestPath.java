package dev.authsidecar.proxy;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.ClientCertificate;
import dev.authsidecar.authenticate.CredentialMemo;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.forward.ExchangeRequest;
import dev.authsidecar.forward.GrpcTimeout;
import dev.authsidecar.forward.TunnelOffer;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.guard.RejectedRequest;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.ProblemResponses;
import dev.authsidecar.respond.Refusal;
import dev.authsidecar.rewrite.RequestIds;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The request path in the order it runs: guard, authenticate, authorize, rewrite, then the choice of upstream pool
 * for forward; and the record of how every request ended. It decides what happens to a request and records it;
 * {@link FrontendHandler} carries the decision out on the connection (reads, writes, the {@code Exchange}).
 *
 * <p>HTTP/1.1 requests and HTTP/2 streams alike come through here. Every answer the sidecar gives itself is built
 * and recorded by {@link #answer} (deadline answers too), and every other ending by {@link #complete} or
 * {@link #clientClosed}. One per client connection (or HTTP/2 stream), reused for each request, confined to its
 * event loop.
 */
final class RequestPath {
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    private static final AuthOutcome AUTH_FAILED = new AuthOutcome.Unavailable("the credential could not be checked");

    /** What the path decided for a request. */
    sealed interface Step permits Answer, RequestHead, Authenticating, Forward {}

    /**
     * The sidecar answers the request itself.
     *
     * @param bodyUnread the request may have a body that will not be read: the connection must close after
     */
    record Answer(Failure failure, String detail, String requiredScope, boolean bodyUnread) implements Step {}

    /** Authentication needs the network: resume with {@link #authorize} on the connection's own event loop. */
    record Authenticating(Stages stages, RequestHead head, CompletableFuture<AuthOutcome> result) implements Step {
        /** The outcome to resume with: a failure of the lookup itself counts as a backend that cannot answer. */
        AuthOutcome outcome(AuthOutcome completed) {
            return completed == null ? AUTH_FAILED : completed;
        }
    }

    /** Forward the request to the application through this pool. */
    record Forward(UpstreamPool pool, ExchangeRequest request) implements Step {}

    private final Supplier<Stages> stages;
    private final Upgrades upgrades;
    private final Recorder recorder;
    private final RequestRecord record;
    /** What a tunnel takes over from the connection: its handler, and the clocks that leave with HTTP. */
    private final ChannelHandler clientHandler;

    private final ClientDeadlines deadlines;
    private final CredentialMemo credentials;
    private Channel connection;
    private String clientIp = "unknown";
    private String requestId;
    /** The current request is a gRPC call: the sidecar's own answers take gRPC's shape. */
    private boolean grpc;

    RequestPath(
            Supplier<Stages> stages,
            Upgrades upgrades,
            Recorder recorder,
            RequestRecord record,
            ChannelHandler clientHandler,
            ClientDeadlines deadlines,
            CredentialMemo credentials) {
        this.credentials = credentials;
        this.clientHandler = clientHandler;
        this.deadlines = deadlines;
        this.stages = stages;
        this.upgrades = upgrades;
        this.recorder = recorder;
        this.record = record;
    }

    /** The client's connection is open: an HTTP/2 stream answers for its connection. */
    void connected(Channel channel) {
        connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        clientIp = connection.remoteAddress() instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress()
                : "unknown";
    }

    String clientIp() {
        return clientIp;
    }

    /**
     * Guard: a request head arrived. The record of the request starts here. The step is the {@link RequestHead}
     * when the guard lets it through: authentication comes next ({@link #authenticate}).
     */
    Step guard(HttpRequest request) {
        // The verified client certificate, set on the connection by the TLS handshake.
        ClientCertificate peer = connection.attr(ClientCertificate.ATTRIBUTE).get();
        grpc = ProblemResponses.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
        requestId = RequestIds.accept(request.headers().get(RequestIds.HEADER));
        record.begin(
                RequestFacts.methodOf(request), requestId, request.headers().get(TRACEPARENT), clientIp);
        RequestHead head;
        try {
            head = RequestHead.read(request, upgrades, peer);
        } catch (RejectedRequest e) {
            ReferenceCountUtil.release(request);
            return new Answer(e.failure(), e.getMessage(), null, true);
        }
        record.path(head.path());
        if (head.unsupportedExpectation()) {
            return new Answer(Failure.EXPECTATION_FAILED, "only Expect: 100-continue is supported", null, true);
        }
        return head;
    }

    /**
     * Authenticate, with the stages in force now; the request keeps them until it is answered.
     *
     * @param upgrade for a WebSocket upgrade request, the bytes held for its tunnel; else {@code null}
     * @param keepAlive the client's connection may carry another request after this one
     */
    Step authenticate(RequestHead head, PendingUpgrade upgrade, boolean keepAlive) {
        Stages s = stages.get();
        AuthOutcome outcome = s.authentication().authenticate(head.request().headers(), credentials, head.peer());
        if (outcome instanceof AuthOutcome.Pending pending) {
            return new Authenticating(s, head, pending.result());
        }
        return authorize(s, head, outcome, upgrade, keepAlive);
    }

    /** Authorize, rewrite, choose the pool: the rest of the path once authentication has an answer. */
    Step authorize(Stages s, RequestHead head, AuthOutcome outcome, PendingUpgrade upgrade, boolean keepAlive) {
        HttpRequest request = head.request();
        ClientCertificate peer = head.peer();
        Refusal denied = s.policy()
                .check(
                        request.method().name(),
                        head.path(),
                        head.websocket(),
                        outcome,
                        RequestFacts.isCorsPreflight(request),
                        peer != null);
        Identity identity = outcome instanceof Identity i ? i : null;
        record.auth(
                RequestFacts.resultOf(denied, identity),
                identity != null
                        ? identity.method()
                        : denied != null ? s.authentication().methodAttempted(request.headers()) : null,
                identity != null ? identity.subject() : null);
        if (denied != null) {
            // An unread body is never read: the connection closes instead.
            return new Answer(denied.failure(), denied.detail(), denied.requiredScope(), head.hasBody());
        }
        UpstreamPool pool = s.upstreams().forRequest(grpc, head.websocket());
        if (grpc && !pool.speaksHttp2()) {
            // gRPC needs trailers and full duplex, which HTTP/1.1 to the application cannot carry: say so plainly
            // instead of letting the call fail in some confusing way at the application.
            return new Answer(
                    Failure.GRPC_NEEDS_HTTP2,
                    "the sidecar reaches the application over HTTP/1.1; set"
                            + " upstream.grpc.url (or upstream.protocol: h2c) for gRPC",
                    null,
                    head.hasBody());
        }
        s.rewriter().rewrite(request, head.target(), identity, clientIp, requestId, head.chunked(), peer);
        TunnelOffer offer = null;
        if (head.websocket()) {
            Upgrades.restoreUpgradeHeaders(request.headers());
            long closeAt =
                    s.closeTunnelsAtExpiry() && identity != null ? identity.expiresAtEpochSecond() : Identity.NEVER;
            offer = upgrade.offer(clientHandler, deadlines, upgrades.idleTimeoutMillis(), closeAt, recorder.metrics());
        }
        ExchangeRequest.Body body = !head.hasBody()
                ? ExchangeRequest.Body.NONE
                : head.expectContinue() ? ExchangeRequest.Body.AFTER_CONTINUE : ExchangeRequest.Body.STREAMED;
        long responseTimeout = grpc
                ? GrpcTimeout.shorten(
                        s.responseTimeoutMillis(), request.headers().get(GRPC_TIMEOUT))
                : s.responseTimeoutMillis();
        return new Forward(
                pool, new ExchangeRequest(request, requestId, body, head.http11(), keepAlive, responseTimeout, offer));
    }

    /**
     * The head deadline ran out before a request head was complete. It is still a request to the client (and to
     * whoever reads the access log): recorded with no method and no path, as nothing of them is known.
     */
    FullHttpResponse headTimedOut(long headTimeoutMillis) {
        requestId = RequestIds.accept(null);
        grpc = false;
        record.begin(null, requestId, null, clientIp);
        return answer(
                Failure.REQUEST_HEAD_TIMEOUT,
                "the request head was not received within " + headTimeoutMillis + " ms",
                null);
    }

    /** The sidecar's own answer to the current request, as a problem response; the request is recorded. */
    FullHttpResponse answer(Failure failure, String detail, String requiredScope) {
        FullHttpResponse response = ProblemResponses.of(failure, detail, requestId, requiredScope, grpc);
        record.status(response.status().code());
        if (grpc) {
            record.grpcStatus(failure.grpcStatus());
        }
        record.addBytesOut(response.content().readableBytes());
        recorder.complete(record);
        return response;
    }

    /** The current request ended without an answer of the sidecar's: relayed, cut short, or its tunnel closed. */
    void complete() {
        recorder.complete(record);
    }

    /** The application failed the current request; the caller answers or closes. */
    void upstreamFailed(Failure failure) {
        recorder.metrics().upstreamError(failure);
    }

    /** The client left before its request was answered (nginx's 499). */
    void clientClosed() {
        if (record.isActive()) {
            record.status(RequestRecord.CLIENT_CLOSED);
            recorder.complete(record);
        }
    }

    void addBytesIn(long n) {
        record.addBytesIn(n);
    }
}
