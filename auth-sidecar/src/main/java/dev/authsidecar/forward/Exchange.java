package dev.authsidecar.forward;

import dev.authsidecar.forward.ExchangeRequest.Body;
import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.rewrite.ResponseRewriter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;

/**
 * One request and its response, relayed between the client's connection and a pooled connection to the
 * application. Both connections belong to the same event loop, so nothing here needs a lock or a volatile.
 *
 * <p>Bodies stream with backpressure: the next chunk is read from one side only when the other side can take
 * it (its outbound buffer is under the high-water mark). Nothing is aggregated.
 *
 * <p>Where the exchange stands is one {@link ExchangeState}; every change goes through {@link #moveTo}, which
 * refuses a move the state machine does not have.
 */
public final class Exchange {
    private static final io.netty.util.AsciiString GRPC_STATUS = io.netty.util.AsciiString.cached("grpc-status");
    private final Channel client;
    private final ExchangeListener listener;
    private final UpstreamPool pool;
    private final RequestRecord record;
    private final ExchangeRequest request;
    private final boolean headRequest;

    private ExchangeState state = ExchangeState.CONNECTING;
    /** The application's connection; {@code null} while connecting and once done. */
    private Channel upstream;
    /** Request body that arrived while connecting, sent once the connection is there. */
    private ArrayDeque<HttpContent> pending;
    /** A pooled connection carries a bodiless request: it may be sent once more if the application closed it. */
    private boolean mayRetry;
    /** The client's connection may carry another request; the response or a drain can turn this off. */
    private boolean keepAlive;
    /** The application's connection may go back to the pool once the response ends. */
    private boolean upstreamReusable;
    /** The sidecar is shutting down: a tunnel opened now is closed at once. */
    private boolean draining;
    /** The application's 101, kept until its end, when the tunnel opens. */
    private HttpResponse switching;
    /** The client-bound half: the response head and body as they go out. */
    private final ResponseWriter toClient;

    public Exchange(
            Channel client,
            ExchangeListener listener,
            UpstreamPool pool,
            RequestRecord record,
            ExchangeRequest request) {
        this.client = client;
        this.listener = listener;
        this.pool = pool;
        this.record = record;
        this.request = request;
        this.headRequest = request.head().method().equals(HttpMethod.HEAD);
        this.keepAlive = request.keepAlive();
        this.toClient = new ResponseWriter(client);
    }

    private void moveTo(ExchangeState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("exchange cannot move from " + state + " to " + next);
        }
        state = next;
    }

    public void start() {
        // An upgrade gets a connection of its own: it may never come back to the pool.
        Channel idle = request.tunnel() == null ? pool.pollIdle() : null;
        if (idle != null) {
            mayRetry = request.body() == Body.NONE;
            attach(idle);
        } else {
            connect();
        }
    }

    private void connect() {
        pool.connect(client.eventLoop()).addListener((Future<Channel> f) -> {
            if (state == ExchangeState.DONE) {
                if (f.isSuccess()) {
                    f.getNow().close();
                }
            } else if (f.isSuccess()) {
                attach(f.getNow());
            } else {
                Failure failure = UpstreamFailures.ofConnect(f.cause());
                fail(failure, UpstreamFailures.describe(failure, f.cause()));
            }
        });
    }

    private void attach(Channel ch) {
        moveTo(ExchangeState.SENDING);
        upstream = ch;
        BackendHandler.of(ch).attach(this);
        // Void promises on the data path: nothing listens to these writes, and a failed one reaches the handler's
        // exceptionCaught instead (the exchange fails or aborts there), without a promise allocated per write.
        ch.write(request.head(), ch.voidPromise());
        if (request.body() == Body.AFTER_CONTINUE) {
            client.writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                writeUpstream(c);
            }
        }
        ch.flush();
        ch.read();
        // A bodiless request's end arrived with its head: nothing more to read from the client for it.
        if (state == ExchangeState.SENDING && request.body() != Body.NONE) {
            readClientBody();
        }
    }

    /** A piece of the request body from the client. */
    public void onRequestContent(HttpContent content) {
        if (state == ExchangeState.DONE) {
            ReferenceCountUtil.release(content);
        } else if (state == ExchangeState.CONNECTING) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(content);
        } else {
            writeUpstream(content);
        }
    }

    private void writeUpstream(HttpContent content) {
        upstream.write(content, upstream.voidPromise());
        if (content instanceof LastHttpContent) {
            if (state == ExchangeState.SENDING) {
                moveTo(ExchangeState.AWAITING_RESPONSE);
                BackendHandler.of(upstream).expectResponseWithin(request.responseTimeoutMillis());
            } else if (state == ExchangeState.RESPONDING_EARLY) {
                moveTo(ExchangeState.RESPONDING);
            }
        }
    }

    /** The client's read burst is over: send what it brought, and ask for more if the application keeps up. */
    public void onClientReadComplete() {
        if (upstream != null && state != ExchangeState.DONE) {
            upstream.flush();
            if (state.sendingBody() && upstream.isWritable()) {
                readClientBody();
            }
        }
    }

    private void readClientBody() {
        listener.awaitingRequestBody();
        client.read();
    }

    /** Whether any of the response reached the client (then a failure can only cut the connection). */
    public boolean responseStarted() {
        return state.responseStarted();
    }

    void onUpstreamWritable() {
        if (state.sendingBody()) {
            readClientBody();
        }
    }

    public void onClientWritable() {
        if (state.responseStarted()) {
            upstream.read();
        }
    }

    void onUpstreamMessage(HttpObject msg) {
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (msg instanceof HttpContent content) {
            onResponseContent(content);
        }
    }

    private void onResponseHead(HttpResponse response) {
        if (!response.decoderResult().isSuccess()) {
            failOrAbort(Failure.UPSTREAM_PROTOCOL_ERROR);
            return;
        }
        int code = response.status().code();
        if (code == 101) {
            // Only the one upgrade the sidecar forwarded may be accepted; any other switch is a broken application.
            if (request.tunnel() == null
                    || !HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(
                            response.headers().get(HttpHeaderNames.UPGRADE, "").trim())) {
                failOrAbort(Failure.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            switching = response;
            moveTo(ExchangeState.SWITCHING);
            record.upstreamStatus(code);
            BackendHandler.of(upstream).responseStarted();
            return;
        }
        if (code >= 100 && code < 200) {
            // Interim responses (100, 103) are dropped, their end too (nothing is relayed before the response
            // starts): the sidecar answers Expect itself.
            return;
        }
        // The application answered before the request body ended: neither connection can be reused.
        boolean early = state == ExchangeState.SENDING;
        moveTo(early ? ExchangeState.RESPONDING_EARLY : ExchangeState.RESPONDING);
        record.upstreamStatus(code);
        BackendHandler.of(upstream).responseStarted();
        upstreamReusable = HttpUtil.isKeepAlive(response) && !early;
        keepAlive &= !early;
        boolean noBody = headRequest || code == 204 || code == 304;
        keepAlive = ResponseRewriter.rewrite(response, request.requestId(), noBody, request.clientHttp11(), keepAlive);
        toClient.head(response);
    }

    private void onResponseContent(HttpContent content) {
        if (!state.responseStarted()) {
            // Done already, or the end of an interim response.
            content.release();
            return;
        }
        if (state == ExchangeState.SWITCHING) {
            content.release();
            if (content instanceof LastHttpContent) {
                openTunnel();
            }
            return;
        }
        if (!content.decoderResult().isSuccess()) {
            content.release();
            abort();
            return;
        }
        record.addBytesOut(content.content().readableBytes());
        if (content instanceof LastHttpContent last) {
            record.grpcStatus(last.trailingHeaders().get(GRPC_STATUS));
            toClient.last(last);
            finish();
        } else {
            toClient.content(content);
        }
    }

    void onUpstreamReadComplete() {
        if (state == ExchangeState.DONE) {
            return;
        }
        toClient.endOfRead();
        if (client.isWritable() || !state.responseStarted()) {
            upstream.read();
        }
    }

    void onUpstreamClosed(Throwable cause) {
        if (state == ExchangeState.DONE) {
            return;
        }
        if (state == ExchangeState.AWAITING_RESPONSE && mayRetry) {
            // A pooled connection the application had already closed: safe to send the request again, once.
            mayRetry = false;
            detachUpstream(false);
            moveTo(ExchangeState.CONNECTING);
            pending = new ArrayDeque<>(1);
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
            connect();
            return;
        }
        Failure failure = cause == null ? Failure.UPSTREAM_RESET : UpstreamFailures.ofExchange(cause);
        if (state.responseStarted()) {
            abort();
        } else {
            fail(failure, UpstreamFailures.describe(failure, cause));
        }
    }

    void onResponseTimeout() {
        if (state == ExchangeState.AWAITING_RESPONSE) {
            fail(Failure.UPSTREAM_TIMEOUT);
        }
    }

    /** The client went away or the connection is being torn down: drop the upstream connection too. */
    public void cancel() {
        if (state == ExchangeState.DONE) {
            return;
        }
        moveTo(ExchangeState.DONE);
        releasePending();
        detachUpstream(false);
    }

    /** Stop keeping the client connection alive after this response (shutdown drain). */
    public void closeAfterResponse() {
        keepAlive = false;
        draining = true;
    }

    /** Both connections leave HTTP; from here on the {@link Tunnel} owns them. */
    private void openTunnel() {
        moveTo(ExchangeState.DONE);
        Channel ch = upstream;
        upstream = null;
        BackendHandler.of(ch).detach();
        listener.tunnelOpened();
        Tunnel tunnel = Tunnel.open(client, ch, switching, request.requestId(), request.tunnel(), record, listener);
        if (draining) {
            tunnel.close(Tunnel.Result.SHUTDOWN, CloseFrames.SHUTDOWN);
        }
    }

    private void finish() {
        // Reusable only if the whole request went up before the response started, and the application agrees.
        boolean reusable = state == ExchangeState.RESPONDING && upstreamReusable;
        moveTo(ExchangeState.DONE);
        if (request.tunnel() != null) {
            // The application declined the upgrade: what the client sent after it is never forwarded.
            request.tunnel().releaseEarly();
        }
        client.flush();
        detachUpstream(reusable);
        listener.exchangeFinished(keepAlive);
    }

    private void failOrAbort(Failure failure) {
        if (state.responseStarted()) {
            abort();
        } else {
            fail(failure);
        }
    }

    private void fail(Failure failure) {
        fail(failure, UpstreamFailures.describe(failure));
    }

    private void fail(Failure failure, String detail) {
        moveTo(ExchangeState.DONE);
        releasePending();
        detachUpstream(false);
        listener.exchangeFailed(failure, detail);
    }

    private void abort() {
        moveTo(ExchangeState.DONE);
        toClient.drop();
        releasePending();
        detachUpstream(false);
        listener.exchangeAborted();
    }

    private void detachUpstream(boolean reusable) {
        Channel ch = upstream;
        if (ch == null) {
            return;
        }
        upstream = null;
        BackendHandler.of(ch).detach();
        if (reusable && request.tunnel() == null) {
            pool.release(ch);
        } else {
            ch.close();
        }
    }

    private void releasePending() {
        if (request.tunnel() != null) {
            request.tunnel().releaseEarly();
        }
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                ReferenceCountUtil.release(c);
            }
        }
    }
}
