package dev.authsidecar.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fixtures as extensions: open for the class's tests (the sidecar in front of the upstream, with the identity
 * provider's keys, whichever JUnit opens first) and closed after them, their ports refusing connections then.
 */
@Timeout(30)
class ClassFixtureTest {
    private static final List<Integer> PORTS = new CopyOnWriteArrayList<>();

    /** Registered first, so JUnit runs its {@code afterAll} last: after the fixtures below have closed. */
    @RegisterExtension
    @Order(1)
    static final AfterAllCallback CLOSED_AFTERWARDS = context -> {
        assertThat(PORTS).as("ports seen by the tests").hasSize(3);
        for (int port : PORTS) {
            assertThatThrownBy(() -> connect(port))
                    .as("port %d after the class", port)
                    .isInstanceOf(ConnectException.class);
        }
    };

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    private static final RSAKey KEY = Tokens.rsa("fixture");

    @RegisterExtension
    static final JwksServer idp = JwksServer.forClass().serve(KEY);

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url, () -> new String[] {
        "auth:\n" + RunningSidecar.keys() + "  jwt:\n    providers:\n      - name: fixture\n"
                + "        issuer: " + idp.issuer() + "\n        audiences: [api]\n        jwksUri: " + idp.jwksUri()
                + "\n"
    });

    @Test
    void theFixturesAreOpenAndInOrder() throws Exception {
        PORTS.addAll(List.of(
                upstream.port(), sidecar.port(), URI.create(idp.issuer()).getPort()));
        HttpResponse<String> r = sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY);
        assertThat(r.statusCode()).as("through the sidecar to the upstream").isEqualTo(200);
        String jwt = Tokens.token(
                KEY, Tokens.claims(idp.issuer(), "alice", "api", Instant.now().plusSeconds(600)));
        HttpResponse<String> signed = sidecar.get("/echo", "Authorization", "Bearer " + jwt);
        assertThat(signed.statusCode())
                .as("with keys from the identity provider's fixture")
                .isEqualTo(200);
        assertThat(upstream.requests()).isEqualTo(2);
        assertThat(idp.jwksRequests()).isPositive();
    }

    private static void connect(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }
}
