package dev.authsidecar.tls;

import dev.authsidecar.authenticate.ClientCertificate;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the {@link SslHandler} until the handshake is over. A failure is counted by reason and the
 * connection closed, logged at DEBUG only: a scanner or a misconfigured client would otherwise flood the log with
 * one WARN per connection. A success picks the protocol's pipeline and removes this handler.
 */
public final class TlsHandshake extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshake.class);

    private final ServerTls tls;
    private final Consumer<ChannelPipeline> http2;

    /** @param http2 replaces the HTTP/1.1 handlers with HTTP/2's when ALPN chose {@code h2} */
    public TlsHandshake(ServerTls tls, Consumer<ChannelPipeline> http2) {
        this.tls = tls;
        this.http2 = http2;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                rememberClientCertificate(ctx, ssl);
                String protocol = ssl.applicationProtocol();
                ctx.pipeline().remove(this);
                pipelineFor(ctx.pipeline(), protocol);
            } else {
                HandshakeFailure reason = HandshakeFailure.of(done.cause());
                tls.handshakeFailed(reason);
                log.debug(
                        "TLS handshake from {} failed ({}): {}",
                        ctx.channel().remoteAddress(),
                        reason.label(),
                        done.cause().toString());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A certificate is only there when the client CA verified it (clientAuth optional or require): the JDK fails
     * the handshake otherwise. Worked out once here, read by every request of the connection.
     */
    private static void rememberClientCertificate(ChannelHandlerContext ctx, SslHandler ssl) {
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                ctx.channel().attr(ClientCertificate.ATTRIBUTE).set(ClientCertificate.of(leaf));
            }
        } catch (SSLPeerUnverifiedException e) {
            // No client certificate: the bearer token alone decides.
        }
    }

    /**
     * The one place the negotiated protocol chooses the pipeline: {@code h2} (offered only with
     * {@code server.http2.enabled}) gets HTTP/2's handlers, the same as a cleartext connection that opens with the
     * HTTP/2 preface; {@code http/1.1}, or no ALPN at all, keeps the HTTP/1.1 handlers already in place.
     */
    void pipelineFor(ChannelPipeline p, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)
                && tls.config().alpn().contains(protocol)) {
            http2.accept(p);
        } else if (protocol != null && !protocol.equals(ApplicationProtocolNames.HTTP_1_1)) {
            throw new IllegalStateException("negotiated " + protocol + ", which was never offered");
        }
    }

    /** Errors while the handshake runs are its failure, counted once by the completion event; the rest pass on. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug(
                "TLS error before the handshake finished from {}: {}",
                ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
