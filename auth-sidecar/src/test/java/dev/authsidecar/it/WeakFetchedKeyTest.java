package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.testing.JwksServer;
import dev.authsidecar.testing.Tokens;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A fetched key set with a weak RSA key: its good keys work, and {@code /readyz} counts the skipped one. */
@Timeout(30)
class WeakFetchedKeyTest {

    @Test
    void theGoodKeysWorkAndReadinessCountsTheWeakOne() throws Exception {
        RSAKey good = Tokens.rsa("good");
        KeyPairGenerator weakGenerator = KeyPairGenerator.getInstance("RSA");
        weakGenerator.initialize(1024);
        RSAKey weak = new RSAKey.Builder(
                        (RSAPublicKey) weakGenerator.generateKeyPair().getPublic())
                .keyID("weak")
                .build();
        try (JwksServer idp = new JwksServer().serve(good, weak);
                TestUpstream app = new TestUpstream();
                RunningSidecar proxy =
                        RunningSidecar.start(app.url(), JwtFlowTest.authWithProvider("jwksUri: " + idp.jwksUri()))) {
            String jwt = JwtFlowTest.token(good, Map.of(), Instant.now().plusSeconds(600));
            assertThat(proxy.get("/echo", "Authorization", "Bearer " + jwt).statusCode())
                    .isEqualTo(200);

            HttpResponse<String> ready = proxy.admin("/readyz");
            assertThat(ready.body()).contains("\"provider\":\"shop\"", "\"hasKeys\":true", "\"weakKeysSkipped\":1");
        }
    }
}
