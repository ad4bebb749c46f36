package dev.authsidecar.rewrite;

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
    /** RFC 7239's header: as trustworthy as the X-Forwarded family, so kept only when that is. */
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");

    private final boolean forwardCredential;
    private final boolean trustForwardedHeaders;
    private final String upstreamAuthority;
    private final IdentityHeaders identityHeaders;

    public RequestRewriter(boolean forwardCredential, boolean trustForwardedHeaders, String upstreamAuthority,
            IdentityHeaders identityHeaders) {
        this.forwardCredential = forwardCredential;
        this.trustForwardedHeaders = trustForwardedHeaders;
        this.upstreamAuthority = upstreamAuthority;
        this.identityHeaders = identityHeaders;
    }

    public RequestRewriter(boolean forwardCredential, boolean trustForwardedHeaders, String upstreamAuthority) {
        this(forwardCredential, trustForwardedHeaders, upstreamAuthority, new IdentityHeaders(java.util.Map.of(), null));
    }

    /**
     * Rewrites the request in place. The order matters: hop-by-hop and spoofed identity headers go first, so
     * a client that lists {@code X-Auth-Subject} in {@code Connection} cannot remove the sidecar's own.
     *
     * @param target the normalized request target from the guard
     * @param identity the verified caller, or {@code null} on an anonymous public path
     * @param chunked whether the request body arrives chunked (its Transfer-Encoding is about to be removed)
     */
    public void rewrite(HttpRequest request, String target, Identity identity, String clientIp,
            String requestId, boolean chunked) {
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
            h.set(X_FORWARDED_PROTO, HTTP);
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
