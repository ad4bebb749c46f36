package dev.authsidecar.forward;

import io.netty.handler.codec.http.HttpRequest;

/**
 * What the request path tells an {@link Exchange} about the request it forwards.
 *
 * @param head the request, already rewritten for the application
 * @param body whether a body follows the head, and whether the client waits for {@code 100 Continue} first
 * @param clientHttp11 the client spoke HTTP/1.1 (the head is rewritten to 1.1 whatever it spoke): the response is
 *     framed for the client's version
 * @param keepAlive the client's connection may carry another request after this one
 * @param responseTimeoutMillis how long the application has to start its response once the request is sent
 * @param tunnel for a WebSocket upgrade, what to do when the application agrees; else {@code null}
 */
public record ExchangeRequest(
        HttpRequest head,
        String requestId,
        Body body,
        boolean clientHttp11,
        boolean keepAlive,
        long responseTimeoutMillis,
        TunnelOffer tunnel) {

    public enum Body {
        /**
         * No body: the request can be sent again on a fresh connection if a pooled one turns out to have been
         * closed by the application.
         */
        NONE,
        /** A body follows and is streamed as it arrives. */
        STREAMED,
        /** A body follows once the sidecar has answered the client's {@code Expect: 100-continue}. */
        AFTER_CONTINUE
    }
}
