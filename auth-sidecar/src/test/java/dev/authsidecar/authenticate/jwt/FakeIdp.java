package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.jwk.JWK;
import dev.authsidecar.testing.JwksServer;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * The JWT tests' name for {@link JwksServer}, the one key endpoint of the tests; the overrides only keep the
 * chained calls typed as {@code FakeIdp}.
 */
final class FakeIdp extends JwksServer {
    FakeIdp() throws IOException {
        super();
    }

    /** @param tls serve https with this context, or plain http when {@code null} */
    FakeIdp(SSLContext tls) throws IOException {
        super(tls);
    }

    @Override
    public FakeIdp serve(JWK... keys) {
        super.serve(keys);
        return this;
    }

    @Override
    public FakeIdp behave(Behaviour b) {
        super.behave(b);
        return this;
    }

    @Override
    public FakeIdp serveAfter(CountDownLatch gate, JWK... keys) {
        super.serveAfter(gate, keys);
        return this;
    }

    @Override
    public FakeIdp hang() {
        super.hang();
        return this;
    }

    @Override
    public FakeIdp discoveryIssuer(String issuer) {
        super.discoveryIssuer(issuer);
        return this;
    }
}
