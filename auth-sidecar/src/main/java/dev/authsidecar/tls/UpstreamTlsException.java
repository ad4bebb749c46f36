package dev.authsidecar.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * A failed TLS handshake with the application, with the reason in words an operator can act on. The message names
 * the application's host and what is wrong with its certificate, which is safe to show a caller: it holds no
 * secret, and the caller could not have caused it.
 */
public final class UpstreamTlsException extends SSLException {
    /** The closed set of reasons, also the log's label. */
    public enum Reason {
        UNTRUSTED("untrusted"),
        NAME_MISMATCH("name_mismatch"),
        EXPIRED("expired"),
        NOT_TLS("not_tls"),
        TIMEOUT("timeout"),
        NO_HTTP2("no_http2"),
        CLIENT_CERTIFICATE("client_certificate"),
        OTHER("other");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    UpstreamTlsException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * The TLS failure behind an exchange's error, or {@code null} when it is not about TLS: a decoder error whose
     * cause is the application's alert, for instance.
     */
    public static UpstreamTlsException in(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return of(cause, "the application's host");
            }
        }
        return null;
    }

    /** Reads the JDK's exception chain; the JDK reports most failures only through a message. */
    static UpstreamTlsException of(Throwable cause, String host) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UpstreamTlsException e) {
                return e;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return new UpstreamTlsException(
                        Reason.TIMEOUT,
                        "the application did not finish the TLS handshake " + "within upstream.connectTimeout",
                        cause);
            }
            if (t instanceof NotSslRecordException) {
                return notTls(cause);
            }
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return new UpstreamTlsException(
                        Reason.EXPIRED, "the application's certificate is expired or not " + "yet valid", cause);
            }
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("certificate_required")
                    || m.contains("bad_certificate")
                    || m.contains("unknown_ca")
                    || m.contains("certificate_unknown")
                    || m.contains("access_denied")) {
                return new UpstreamTlsException(
                        Reason.CLIENT_CERTIFICATE,
                        "the application refused the TLS session: "
                                + "it wants a client certificate it trusts (upstream.certFile and keyFile)",
                        cause);
            }
            if (m.contains("no subject alternative") || m.contains("no name matching")) {
                return new UpstreamTlsException(
                        Reason.NAME_MISMATCH,
                        "the application's certificate is not issued " + "for " + host + " (the host of upstream.url)",
                        cause);
            }
            if (m.contains("pkix") || m.contains("certification path")) {
                return new UpstreamTlsException(
                        Reason.UNTRUSTED,
                        "the application's certificate is not issued by a "
                                + "CA in upstream.caFile (or the JDK's trust store without it)",
                        cause);
            }
            if (m.contains("unrecognized ssl message") || m.contains("not an ssl/tls record")) {
                return notTls(cause);
            }
        }
        return new UpstreamTlsException(Reason.OTHER, "the TLS handshake with the application failed", cause);
    }

    private static UpstreamTlsException notTls(Throwable cause) {
        return new UpstreamTlsException(
                Reason.NOT_TLS,
                "the application did not answer in TLS (is upstream.url " + "meant to be http://?)",
                cause);
    }
}
