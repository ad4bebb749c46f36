package dev.authsidecar.forward;

import dev.authsidecar.respond.Failure;

/** How an {@link Exchange} reports back to the downstream connection that started it. */
public interface ExchangeListener {

    /** The exchange asks the client for more of the request body (it is about to read the client channel). */
    void awaitingRequestBody();

    /** The response was relayed completely. */
    void exchangeFinished(boolean keepAlive);

    /** Nothing of a response was sent yet: the downstream side should answer with this failure. */
    void exchangeFailed(Failure failure, String detail);

    /** A response was partly sent and cannot be completed: the downstream connection must close. */
    void exchangeAborted();

    /** The application accepted the upgrade: the connection leaves HTTP and this listener's handler. */
    void tunnelOpened();

    /** The tunnel that replaced the exchange has ended, both connections closed. */
    void tunnelClosed();
}
