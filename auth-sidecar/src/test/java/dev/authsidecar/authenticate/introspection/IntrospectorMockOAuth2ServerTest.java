package dev.authsidecar.authenticate.introspection;

import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.await;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.identity;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real OAuth 2.0 server's introspection endpoint (mock-oauth2-server), on the real clock. */
class IntrospectorMockOAuth2ServerTest {
    private static final String ISSUER_ID = "default";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MockOAuth2Server idp;

    @TempDir
    Path dir;

    private ExecutorService executor;
    private Introspector introspector;

    @BeforeAll
    static void startIdp() {
        idp = new MockOAuth2Server();
        idp.start();
    }

    @AfterAll
    static void stopIdp() {
        idp.shutdown();
    }

    @BeforeEach
    void setUp() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "sidecar-secret\n");
        executor = Executors.newFixedThreadPool(2);
        introspector = new Introspector(
                new IntrospectionConfig(
                        idp.url(ISSUER_ID + "/introspect").uri(),
                        "sidecar",
                        secret,
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(3),
                        64 * 1024,
                        null,
                        List.of()),
                executor);
    }

    @AfterEach
    void tearDown() {
        introspector.close();
        executor.shutdownNow();
    }

    @Test
    void issuedTokenIntrospectsToItsIdentity() throws Exception {
        SignedJWT token = idp.issueToken(
                ISSUER_ID, "alice", "main-service", Map.of("scope", "read write", "client_id", "web-app"));

        Identity identity = identity(introspector.authenticate(token.serialize()));

        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.method()).isEqualTo("introspection");
        assertThat(identity.issuer()).isEqualTo(idp.issuerUrl(ISSUER_ID).toString());
        assertThat(identity.scopes()).containsExactlyInAnyOrder("read", "write");
        assertThat(identity.client()).isEqualTo("web-app");
        assertThat(identity.expiresAtEpochSecond())
                .isEqualTo(
                        token.getJWTClaimsSet().getExpirationTime().toInstant().getEpochSecond());
        // This server writes a single audience as a string; RFC 7662 allows either form.
        assertThat(identity.claims().get("aud")).isIn("main-service", List.of("main-service"));
        JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(identity.payload()));
        assertThat(payload.get("active").booleanValue()).isTrue();
        assertThat(payload.get("sub").textValue()).isEqualTo("alice");
    }

    @Test
    void clientCredentialsTokenFromTheTokenEndpointIntrospects() throws Exception {
        String accessToken = clientCredentialsToken("batch-job", "main-service");

        Identity identity = identity(introspector.authenticate(accessToken));

        assertThat(identity.subject()).isEqualTo("batch-job");
        assertThat(identity.issuer()).isEqualTo(idp.issuerUrl(ISSUER_ID).toString());
    }

    @Test
    void opaqueStringItNeverIssuedIsInactive() throws Exception {
        AuthOutcome outcome = await(introspector.authenticate(UUID.randomUUID().toString()));

        assertThat(outcome).isEqualTo(new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the token is not active"));
    }

    /** The way a real client gets its token: client_credentials at the token endpoint. */
    private static String clientCredentialsToken(String clientId, String scope) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=secret&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(idp.tokenEndpointUrl(ISSUER_ID).uri())
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).get("access_token").textValue();
    }
}
