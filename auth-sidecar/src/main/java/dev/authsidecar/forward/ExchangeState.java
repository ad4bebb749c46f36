package dev.authsidecar.forward;

/**
 * Where one {@link Exchange} stands. The request and the response overlap (an application may answer before the
 * request body ends), so the states name both sides; the legal moves are listed once, in {@link #canMoveTo}, and
 * every change of state goes through it.
 *
 * <pre>
 * CONNECTING        → SENDING
 * SENDING           → AWAITING_RESPONSE | RESPONDING_EARLY | SWITCHING
 * AWAITING_RESPONSE → RESPONDING | SWITCHING | CONNECTING (resent once on a fresh connection)
 * RESPONDING_EARLY  → RESPONDING
 * any state but DONE → DONE (finished, failed, aborted, cancelled, or handed to a tunnel)
 * </pre>
 */
enum ExchangeState {
    /** Waiting for an upstream connection; pieces of the request body wait in a queue. */
    CONNECTING,
    /** The head is sent; the request body is on its way. No response yet. */
    SENDING,
    /** The whole request is sent; the response head must arrive within the response timeout. */
    AWAITING_RESPONSE,
    /**
     * The application answered before the request body ended: the response is relayed while the rest of the
     * body still goes up, and neither connection may carry another request.
     */
    RESPONDING_EARLY,
    /** The whole request is sent and the response is being relayed. */
    RESPONDING,
    /** The application answered the upgrade with 101; the tunnel opens when that response ends. */
    SWITCHING,
    /** Finished, failed, aborted, cancelled, or handed to a tunnel: nothing more happens. */
    DONE;

    boolean canMoveTo(ExchangeState next) {
        if (next == DONE) {
            return this != DONE;
        }
        return switch (this) {
            case CONNECTING -> next == SENDING;
            case SENDING -> next == AWAITING_RESPONSE || next == RESPONDING_EARLY || next == SWITCHING;
            // Back to CONNECTING: a pooled connection the application had closed; the bodiless request is resent.
            case AWAITING_RESPONSE -> next == RESPONDING || next == SWITCHING || next == CONNECTING;
            case RESPONDING_EARLY -> next == RESPONDING;
            case RESPONDING, SWITCHING, DONE -> false;
        };
    }

    /** Some of the response has reached the client: a failure can only cut the connection now. */
    boolean responseStarted() {
        return this == RESPONDING_EARLY || this == RESPONDING || this == SWITCHING;
    }

    /** More of the request body is still to go up. */
    boolean sendingBody() {
        return this == SENDING || this == RESPONDING_EARLY;
    }
}
