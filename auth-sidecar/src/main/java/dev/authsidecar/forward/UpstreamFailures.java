package dev.authsidecar.forward;

import dev.authsidecar.respond.Failure;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import java.net.ConnectException;

/** Classifies what went wrong with the application's connection. */
final class UpstreamFailures {
    private UpstreamFailures() {
    }

    static Failure ofConnect(Throwable cause) {
        return cause instanceof ConnectTimeoutException ? Failure.UPSTREAM_CONNECT_TIMEOUT
                : Failure.UPSTREAM_UNAVAILABLE;
    }

    static Failure ofExchange(Throwable cause) {
        if (cause instanceof DecoderException) {
            return Failure.UPSTREAM_PROTOCOL_ERROR;
        }
        if (cause instanceof ConnectException) {
            return Failure.UPSTREAM_UNAVAILABLE;
        }
        return Failure.UPSTREAM_RESET;
    }

    static String describe(Failure failure) {
        return switch (failure) {
            case UPSTREAM_UNAVAILABLE -> "the application refused the connection";
            case UPSTREAM_CONNECT_TIMEOUT -> "the application did not accept the connection in time";
            case UPSTREAM_RESET -> "the application closed the connection before responding";
            case UPSTREAM_PROTOCOL_ERROR -> "the application sent a response that is not valid HTTP/1.1";
            case UPSTREAM_TIMEOUT -> "the application did not start its response in time";
            default -> failure.title();
        };
    }
}
