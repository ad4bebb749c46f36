package dev.authsidecar.proxy;

/**
 * Where a client connection (or HTTP/2 stream) stands between requests and within one, as {@link FrontendHandler}
 * drives it. What the connection does with input in each state is stated here once.
 */
enum ConnectionState {
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
    CLOSING;

    /** Input that arrives now belongs to a later request, or to this one once authenticated: it is held. */
    boolean holdsInput() {
        return this == AUTHENTICATING || this == AWAITING_RESPONSE;
    }

    /** Input is handled as it arrives (held input can be handed on). */
    boolean takesInput() {
        return this == IDLE || this == SKIPPING_BODY || this == FORWARDING;
    }

    /** The connection asks the client for more by itself; while forwarding, the exchange asks when it can. */
    boolean readsOnItsOwn() {
        return this == IDLE || this == SKIPPING_BODY;
    }
}
