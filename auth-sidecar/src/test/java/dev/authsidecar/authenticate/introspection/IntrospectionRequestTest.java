package dev.authsidecar.authenticate.introspection;

import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.failure;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.identity;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.active;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.http.Ssl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What goes over the wire to the endpoint, and what the introspector needs to start. */
class IntrospectionRequestTest {
    private static final Duration PATIENT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @RegisterExtension
    final IntrospectionFixture f = new IntrospectionFixture();

    @Test
    void tokenIsPostedAsAFormWithTheClientsBasicCredentials() throws Exception {
        String token = "AbC.d-e_f~g+h/i==";
        f.server.answer(token, active(Map.of("sub", "alice")));

        assertThat(identity(f.introspector(patient(f.config())).authenticate(token))
                        .subject())
                .isEqualTo("alice");

        assertThat(f.server.seen()).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.uri().getRawQuery()).isNull();
            assertThat(request.uri().toString()).doesNotContain("AbC");
            assertThat(request.header("Authorization")).isEqualTo(Rfc7662Server.EXPECTED_AUTHORIZATION);
            assertThat(request.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
            assertThat(request.header("Accept")).isEqualTo("application/json");
            assertThat(request.form())
                    .containsExactly(Map.entry("token", token), Map.entry("token_type_hint", "access_token"));
        });
    }

    @Test
    void secretFileEndingInCrLfIsTrimmed() throws Exception {
        Files.writeString(f.secretFile, Rfc7662Server.CLIENT_SECRET + "\r\n");
        f.server.answer("token", active(Map.of("sub", "alice")));

        assertThat(identity(f.introspector(patient(f.config())).authenticate("token"))
                        .subject())
                .isEqualTo("alice");
    }

    @Test
    void endpointRefusingOurCredentialsIsUnavailable() throws Exception {
        Files.writeString(f.secretFile, "not-the-secret\n");
        f.server.answer("token", active(Map.of("sub", "alice")));

        // With a patient timeout the 503 can only come from the endpoint's 401, not from a slow first call.
        assertThat(failure(f.introspector(patient(f.config())).authenticate("token")))
                .isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
        assertThat(f.server.requests()).isEqualTo(1);
    }

    @Test
    void emptySecretFileStopsStartUp() throws Exception {
        Files.writeString(f.secretFile, "\n");

        assertThatThrownBy(() -> f.introspector())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void unreadableCaFileStopsStartUp() throws Exception {
        Path caFile = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");

        assertThatThrownBy(() -> f.introspector(withCaFile(f.config(), caFile)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ca.pem");
    }

    @Test
    void httpsEndpointIsTrustedThroughTheCaFileAlone() throws Exception {
        Ssl tls = new Ssl();
        Path caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, pem(tls.getSslKeystore().getKeyStore()));
        try (Rfc7662Server https = new Rfc7662Server(tls.sslContext())) {
            https.answer("token", active(Map.of("sub", "alice")));
            IntrospectionConfig c = f.config();
            IntrospectionConfig config = patient(new IntrospectionConfig(
                    https.endpoint(),
                    c.clientId(),
                    c.clientSecretFile(),
                    c.cacheTtl(),
                    c.negativeCacheTtl(),
                    c.timeout(),
                    c.maxResponseBytes(),
                    null,
                    List.of()));

            assertThat(identity(f.introspector(withCaFile(config, caFile)).authenticate("token"))
                            .subject())
                    .isEqualTo("alice");
            // The JDK's own trust store does not know this CA: without the caFile the endpoint is not trusted.
            assertThat(failure(f.introspector(config).authenticate("token")))
                    .isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);
            assertThat(https.requests()).isEqualTo(1);
        }
    }

    /**
     * {@code c} with a timeout these tests never reach: a JVM's first HTTP call (class loading, the client's
     * selector thread, a TLS handshake) took over the fixture's one second on a loaded two-core machine, and
     * none of these tests is about timeouts.
     */
    private static IntrospectionConfig patient(IntrospectionConfig c) {
        return new IntrospectionConfig(
                c.endpoint(),
                c.clientId(),
                c.clientSecretFile(),
                c.cacheTtl(),
                c.negativeCacheTtl(),
                PATIENT,
                c.maxResponseBytes(),
                c.caFile(),
                c.audiences());
    }

    private static IntrospectionConfig withCaFile(IntrospectionConfig c, Path caFile) {
        return new IntrospectionConfig(
                c.endpoint(),
                c.clientId(),
                c.clientSecretFile(),
                c.cacheTtl(),
                c.negativeCacheTtl(),
                c.timeout(),
                c.maxResponseBytes(),
                caFile,
                List.of());
    }

    private static String pem(KeyStore keyStore) throws Exception {
        String alias = keyStore.aliases().nextElement();
        byte[] der = keyStore.getCertificate(alias).getEncoded();
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
