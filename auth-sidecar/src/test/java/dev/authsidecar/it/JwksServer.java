package dev.authsidecar.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A fixed key set at {@link #uri()}: kept for tests written against this name; new tests use
 * {@link dev.authsidecar.testing.JwksServer}, which this only narrows.
 */
public final class JwksServer extends dev.authsidecar.testing.JwksServer {
    public JwksServer(byte[] jwks) throws IOException {
        serve(new String(jwks, StandardCharsets.UTF_8));
    }

    public String uri() {
        return jwksUri().toString();
    }
}
