package dev.authsidecar.rewrite;

import dev.authsidecar.authenticate.ClientCertificate;
import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/** The rewrite stage for requests: what the application receives instead of what the client sent. */
public final class RequestRewriter {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString HTTP = AsciiString.cached("http");
    static final AsciiString HTTPS = AsciiString.cached("https");
    /** RFC 7239's header: as trustworthy as the X-Forwarded family, so kept only when that is. */
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    /** Envoy's header for the verified client certificate: only ever the sidecar's own. */
    static final AsciiString X_FORWARDED_CLIENT_CERT = AsciiString.cached("x-forwarded-client-cert");

    private final boolean forwardCredential;
    private final boolean trustForwardedHeaders;
    /** The client's scheme as the sidecar saw it: https when the listener speaks TLS. */
    private final AsciiString proto;

    private final String upstreamAuthority;
    private final IdentityHeaders identityHeaders;
    private final boolean forwardClientCert;

    public RequestRewriter(
            boolean forwardCredential,
            boolean trustForwardedHeaders,
            boolean secure,
            String upstreamAuthority,
            IdentityHeaders identityHeaders) {
        this(forwardCredential, trustForwardedHeaders, secure, upstreamAuthority, identityHeaders, false);
    }

    /** @param forwardClientCert send the verified client certificate's details in X-Forwarded-Client-Cert */
    public RequestRewriter(
            boolean forwardCredential,
            boolean trustForwardedHeaders,
            boolean secure,
            String upstreamAuthority,
            IdentityHeaders identityHeaders,
            boolean forwardClientCert) {
        this.forwardClientCert = forwardClientCert;
        this.forwardCredential = forwardCredential;
        this.trustForwardedHeaders = trustForwardedHeaders;
        this.proto = secure ? HTTPS : HTTP;
        this.upstreamAuthority = upstreamAuthority;
        this.identityHeaders = identityHeaders;
    }

    public RequestRewriter(boolean forwardCredential, boolean trustForwardedHeaders, String upstreamAuthority) {
        this(
                forwardCredential,
                trustForwardedHeaders,
                false,
                upstreamAuthority,
                new IdentityHeaders(java.util.Map.of(), null));
    }

    /**
     * Rewrites the request in place. The order matters: hop-by-hop and spoofed identity headers go first, so
     * a client that lists {@code X-Auth-Subject} in {@code Connection} cannot remove the sidecar's own.
     *
     * @param target the normalized request target from the guard
     * @param identity the verified caller, or {@code null} on an anonymous public path
     * @param chunked whether the request body arrives chunked (its Transfer-Encoding is about to be removed)
     */
    public void rewrite(
            HttpRequest request, String target, Identity identity, String clientIp, String requestId, boolean chunked) {
        rewrite(request, target, identity, clientIp, requestId, chunked, null);
    }

    /** @param peer the connection's verified client certificate, or {@code null} */
    public void rewrite(
            HttpRequest request,
            String target,
            Identity identity,
            String clientIp,
            String requestId,
            boolean chunked,
            ClientCertificate peer) {
        HttpHeaders h = request.headers();
        HopByHop.strip(h);
        IdentityHeaders.stripIncoming(h);
        h.remove(HttpHeaderNames.EXPECT);
        if (!forwardCredential) {
            h.remove(HttpHeaderNames.AUTHORIZATION);
        }
        request.setUri(target);
        // Always HTTP/1.1 upstream, so that every upstream connection can be kept alive and pooled.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        String host = h.get(HttpHeaderNames.HOST);
        if (host == null) {
            h.set(HttpHeaderNames.HOST, upstreamAuthority);
        }
        addForwarded(h, clientIp, host);
        h.set(RequestIds.HEADER, requestId);
        if (forwardClientCert && peer != null) {
            h.set(X_FORWARDED_CLIENT_CERT, peer.forwardedClientCert());
        }
        if (identity != null) {
            identityHeaders.add(h, identity);
        }
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    private void addForwarded(HttpHeaders h, String clientIp, String host) {
        if (!trustForwardedHeaders) {
            h.remove(FORWARDED);
        }
        String prior = h.contains(X_FORWARDED_FOR) ? String.join(", ", h.getAll(X_FORWARDED_FOR)) : null;
        h.set(X_FORWARDED_FOR, prior == null ? clientIp : prior + ", " + clientIp);
        if (!trustForwardedHeaders || !h.contains(X_FORWARDED_PROTO)) {
            h.set(X_FORWARDED_PROTO, proto);
        }
        if (!trustForwardedHeaders || !h.contains(X_FORWARDED_HOST)) {
            if (host != null) {
                h.set(X_FORWARDED_HOST, host);
            } else {
                h.remove(X_FORWARDED_HOST);
            }
        }
    }
}
