package dev.authsidecar.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a handshake failed: the closed set of {@code reason} labels of
 * {@code auth_sidecar_tls_handshake_failures_total}. The JDK reports most failures as an SSLHandshakeException
 * whose message is the only detail, so the classification reads it; anything unrecognised is OTHER.
 */
public enum HandshakeFailure {
    /** Not finished within {@code server.tls.handshakeTimeout}. */
    TIMEOUT("timeout"),
    /** The first bytes were not a TLS record: plain HTTP sent to the TLS port, or a port scan. */
    NOT_TLS("not_tls"),
    /** The client offered only versions the listener refuses (TLS 1.0/1.1, or 1.2 under minVersion TLSv1.3). */
    PROTOCOL_VERSION("protocol_version"),
    /** No cipher suite in common. */
    CIPHER_SUITE("cipher_suite"),
    /** The client's certificate was missing (clientAuth: require), expired or not issued by the client CA. */
    CLIENT_CERTIFICATE("client_certificate"),
    /** The client aborted with an alert, typically because it does not trust the serving certificate. */
    CLIENT_ALERT("client_alert"),
    /** The connection closed before the handshake finished. */
    CLOSED("closed"),
    OTHER("other");

    private final String label;

    HandshakeFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static HandshakeFailure of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (t instanceof ClosedChannelException) {
                return CLOSED;
            }
            if (t instanceof SSLException && t.getMessage() != null) {
                HandshakeFailure f = ofMessage(t.getMessage().toLowerCase(Locale.ROOT));
                if (f != null) {
                    return f;
                }
            }
        }
        return OTHER;
    }

    private static HandshakeFailure ofMessage(String m) {
        if (m.contains("received fatal alert")) {
            return CLIENT_ALERT;
        }
        if (m.contains("protocol")) {
            return PROTOCOL_VERSION;
        }
        if (m.contains("cipher suite")) {
            return CIPHER_SUITE;
        }
        if (m.contains("certificate") || m.contains("pkix") || m.contains("validity")) {
            return CLIENT_CERTIFICATE;
        }
        if (m.contains("closed") || m.contains("close_notify")) {
            return CLOSED;
        }
        return null;
    }
}
