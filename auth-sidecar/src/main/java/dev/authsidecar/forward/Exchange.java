package dev.authsidecar.forward;

import dev.authsidecar.record.RequestRecord;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.rewrite.ResponseRewriter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
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
 */
public final class Exchange {
    private static final io.netty.util.AsciiString GRPC_STATUS = io.netty.util.AsciiString.cached("grpc-status");
    private final Channel client;
    private final ExchangeListener listener;
    private final UpstreamPool pool;
    private final HttpRequest head;
    private final String requestId;
    private final boolean bodiless;
    private final boolean headRequest;
    private final boolean clientSpeaksHttp11;
    private final boolean expectContinue;
    private final long responseTimeoutMillis;
    private final RequestRecord record;
    private final TunnelOffer tunnelOffer;

    private boolean keepAlive;
    private Channel upstream;
    private boolean reused;
    private boolean retried;
    private ArrayDeque<HttpContent> pending;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean skippingInterim;
    private boolean upstreamReusable = true;
    private boolean finished;
    private boolean draining;
    /** The application answered the upgrade with 101; the tunnel opens at the end of that response. */
    private HttpResponse switching;

    /**
     * @param head the request, already rewritten for the application
     * @param bodiless the request has no body, so it can be sent again on a fresh connection if a pooled one
     *     turns out to have been closed by the application
     * @param tunnelOffer for a WebSocket upgrade: what to do when the application agrees; else {@code null}
     */
    public Exchange(Channel client, ExchangeListener listener, UpstreamPool pool, HttpRequest head,
            String requestId, boolean bodiless, boolean headRequest, boolean clientSpeaksHttp11,
            boolean keepAlive, boolean expectContinue, long responseTimeoutMillis, RequestRecord record,
            TunnelOffer tunnelOffer) {
        this.record = record;
        this.tunnelOffer = tunnelOffer;
        this.client = client;
        this.listener = listener;
        this.pool = pool;
        this.head = head;
        this.requestId = requestId;
        this.bodiless = bodiless;
        this.headRequest = headRequest;
        this.clientSpeaksHttp11 = clientSpeaksHttp11;
        this.keepAlive = keepAlive;
        this.expectContinue = expectContinue;
        this.responseTimeoutMillis = responseTimeoutMillis;
    }

    public void start() {
        // An upgrade gets a connection of its own: it may never come back to the pool.
        Channel idle = tunnelOffer == null ? pool.pollIdle() : null;
        if (idle != null) {
            reused = true;
            attach(idle);
        } else {
            connect();
        }
    }

    private void connect() {
        pool.connect(client.eventLoop()).addListener((Future<Channel> f) -> {
            if (finished) {
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
        upstream = ch;
        BackendHandler.of(ch).attach(this);
        ch.write(head);
        if (expectContinue && !requestComplete) {
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
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
        if (!requestComplete && !bodiless) {
            readClientBody();
        }
    }

    /** A piece of the request body from the client. */
    public void onRequestContent(HttpContent content) {
        if (finished) {
            ReferenceCountUtil.release(content);
        } else if (upstream == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(content);
        } else {
            writeUpstream(content);
        }
    }

    private void writeUpstream(HttpContent content) {
        upstream.write(content);
        if (content instanceof LastHttpContent) {
            requestComplete = true;
            if (!responseStarted) {
                BackendHandler.of(upstream).expectResponseWithin(responseTimeoutMillis);
            }
        }
    }

    /** The client's read burst is over: send what it brought, and ask for more if the application keeps up. */
    public void onClientReadComplete() {
        if (upstream != null && !finished) {
            upstream.flush();
            if (!requestComplete && upstream.isWritable()) {
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
        return responseStarted;
    }

    void onUpstreamWritable() {
        if (!requestComplete && !finished) {
            readClientBody();
        }
    }

    public void onClientWritable() {
        if (upstream != null && responseStarted && !finished) {
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
            if (tunnelOffer == null || !HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(
                    response.headers().get(HttpHeaderNames.UPGRADE, "").trim())) {
                failOrAbort(Failure.UPSTREAM_PROTOCOL_ERROR);
                return;
            }
            switching = response;
            responseStarted = true;
            record.upstreamStatus(code);
            BackendHandler.of(upstream).responseStarted();
            return;
        }
        if (code >= 100 && code < 200) {
            // Interim responses (100, 103) are dropped: the sidecar answers Expect itself.
            skippingInterim = true;
            return;
        }
        responseStarted = true;
        record.upstreamStatus(code);
        BackendHandler.of(upstream).responseStarted();
        upstreamReusable = HttpUtil.isKeepAlive(response);
        if (!requestComplete) {
            // The application answered before the request body ended: neither connection can be reused.
            keepAlive = false;
            upstreamReusable = false;
        }
        boolean noBody = headRequest || code == 204 || code == 304;
        keepAlive = ResponseRewriter.rewrite(response, requestId, noBody, clientSpeaksHttp11, keepAlive);
        client.write(response);
    }

    private void onResponseContent(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        if (skippingInterim) {
            content.release();
            skippingInterim = !(content instanceof LastHttpContent);
            return;
        }
        if (switching != null) {
            content.release();
            if (content instanceof LastHttpContent) {
                openTunnel();
            }
            return;
        }
        if (!responseStarted) {
            content.release();
            return;
        }
        if (!content.decoderResult().isSuccess()) {
            content.release();
            abort();
            return;
        }
        record.addBytesOut(content.content().readableBytes());
        if (content instanceof LastHttpContent last) {
            recordGrpcStatus(last.trailingHeaders().get(GRPC_STATUS));
        }
        client.write(content);
        if (content instanceof LastHttpContent) {
            finish();
        }
    }

    /** The application's gRPC status, from its trailers, for the access log. */
    private void recordGrpcStatus(String value) {
        if (value != null && value.length() <= 2 && !value.isEmpty()) {
            try {
                record.grpcStatus(Integer.parseInt(value));
            } catch (NumberFormatException ignored) {
                // Not a status; nothing to record.
            }
        }
    }

    void onUpstreamReadComplete() {
        if (finished) {
            return;
        }
        client.flush();
        if (client.isWritable() || !responseStarted) {
            upstream.read();
        }
    }

    void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (!responseStarted && reused && !retried && bodiless && requestComplete) {
            // A pooled connection the application had already closed: safe to send the request again.
            retried = true;
            reused = false;
            detachUpstream(false);
            pending = new ArrayDeque<>(1);
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
            requestComplete = false;
            connect();
            return;
        }
        Failure failure = cause == null ? Failure.UPSTREAM_RESET : UpstreamFailures.ofExchange(cause);
        if (responseStarted) {
            abort();
        } else {
            fail(failure, UpstreamFailures.describe(failure, cause));
        }
    }

    void onResponseTimeout() {
        if (!finished && !responseStarted) {
            fail(Failure.UPSTREAM_TIMEOUT);
        }
    }

    /** The client went away or the connection is being torn down: drop the upstream connection too. */
    public void cancel() {
        if (finished) {
            return;
        }
        finished = true;
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
        finished = true;
        Channel ch = upstream;
        upstream = null;
        BackendHandler.of(ch).detach();
        listener.tunnelOpened();
        Tunnel tunnel = Tunnel.open(client, ch, switching, requestId, tunnelOffer, record, listener);
        if (draining) {
            tunnel.close(Tunnel.Result.SHUTDOWN, CloseFrames.SHUTDOWN);
        }
    }

    private void finish() {
        finished = true;
        if (tunnelOffer != null) {
            // The application declined the upgrade: what the client sent after it is never forwarded.
            tunnelOffer.releaseEarly();
        }
        client.flush();
        detachUpstream(upstreamReusable && requestComplete);
        listener.exchangeFinished(keepAlive);
    }

    private void failOrAbort(Failure failure) {
        if (responseStarted) {
            abort();
        } else {
            fail(failure);
        }
    }

    private void fail(Failure failure) {
        fail(failure, UpstreamFailures.describe(failure));
    }

    private void fail(Failure failure, String detail) {
        finished = true;
        releasePending();
        detachUpstream(false);
        listener.exchangeFailed(failure, detail);
    }

    private void abort() {
        finished = true;
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
        if (reusable && tunnelOffer == null) {
            pool.release(ch);
        } else {
            ch.close();
        }
    }

    private void releasePending() {
        if (tunnelOffer != null) {
            tunnelOffer.releaseEarly();
        }
        if (pending != null) {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                ReferenceCountUtil.release(c);
            }
        }
    }
}
