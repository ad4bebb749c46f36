package dev.authsidecar.forward;

import dev.authsidecar.respond.Failure;
import dev.authsidecar.tls.UpstreamTlsException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import java.net.ConnectException;

/** Classifies what went wrong with the application's connection. */
final class UpstreamFailures {
    private UpstreamFailures() {}

    static Failure ofConnect(Throwable cause) {
        if (cause instanceof UpstreamTlsException) {
            return Failure.UPSTREAM_TLS;
        }
        return cause instanceof ConnectTimeoutException
                ? Failure.UPSTREAM_CONNECT_TIMEOUT
                : Failure.UPSTREAM_UNAVAILABLE;
    }

    static Failure ofExchange(Throwable cause) {
        if (UpstreamTlsException.in(cause) != null) {
            // With TLS 1.3 the application judges the sidecar's client certificate after the sidecar's side of the
            // handshake is over: its refusal arrives as an alert, in place of the response.
            return Failure.UPSTREAM_TLS;
        }
        if (cause instanceof DecoderException) {
            return Failure.UPSTREAM_PROTOCOL_ERROR;
        }
        if (cause instanceof ConnectException) {
            return Failure.UPSTREAM_UNAVAILABLE;
        }
        return Failure.UPSTREAM_RESET;
    }

    /** What the caller is told: for TLS, also the reason the handshake or the session failed. */
    static String describe(Failure failure, Throwable cause) {
        UpstreamTlsException tls = failure == Failure.UPSTREAM_TLS ? UpstreamTlsException.in(cause) : null;
        return tls != null ? describe(failure) + ": " + tls.getMessage() : describe(failure);
    }

    static String describe(Failure failure) {
        return switch (failure) {
            case UPSTREAM_UNAVAILABLE -> "the application refused the connection";
            case UPSTREAM_CONNECT_TIMEOUT -> "the application did not accept the connection in time";
            case UPSTREAM_RESET -> "the application closed the connection before responding";
            case UPSTREAM_PROTOCOL_ERROR -> "the application sent a response that is not valid HTTP/1.1";
            case UPSTREAM_TIMEOUT -> "the application did not start its response in time";
            case UPSTREAM_TLS -> "the TLS handshake with the application failed";
            default -> failure.title();
        };
    }
}
