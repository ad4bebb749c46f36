package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.assertRejected;
import static dev.authsidecar.authenticate.jwt.Jwts.resolve;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Against a real OpenID Connect provider: discovery, its JWKS, and tokens it issues. */
@Timeout(20)
final class OidcProviderTest {
    private static MockOAuth2Server idp;
    private static ScheduledExecutorService executor;
    private static JwtAuthenticator jwt;
    private static String issuer;

    @BeforeAll
    static void start() {
        idp = new MockOAuth2Server();
        idp.start();
        issuer = idp.issuerUrl("corp").toString();
        Providers p = Providers.of(issuer, null);
        p.name = "corp";
        executor = Jwts.executor();
        jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor);
        jwt.start();
    }

    @AfterAll
    static void stop() {
        jwt.close();
        executor.shutdownNow();
        idp.shutdown();
    }

    @Test
    void aTokenFromTheProviderBecomesAnIdentity() {
        String token = idp.issueToken(
                        "corp",
                        "billing-client",
                        new DefaultOAuth2TokenCallback(
                                "corp",
                                "alice",
                                "JWT",
                                List.of("api", "other"),
                                Map.of("scope", "read write", "scp", List.of("admin", "read")),
                                600))
                .serialize();

        Identity identity = (Identity) resolve(jwt.authenticate(token));
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(identity.issuer()).isEqualTo(issuer);
        assertThat(identity.method()).isEqualTo("jwt");
        assertThat(identity.scopeText()).isEqualTo("read write admin");
        assertThat(identity.client()).isEqualTo("billing-client");
        assertThat(identity.payload()).isEqualTo(token.split("\\.")[1]);
        assertThat(new String(Base64.getUrlDecoder().decode(identity.payload()), StandardCharsets.UTF_8))
                .contains("\"sub\":\"alice\"");
        assertThat(identity.expiresAtEpochSecond())
                .isEqualTo(((Number) identity.claims().get("exp")).longValue());
        assertThat(identity.claims()).containsEntry("scp", List.of("admin", "read"));

        KeySetStatus status = jwt.status().get(0);
        assertThat(status.provider()).isEqualTo("corp");
        assertThat(status.hasKeys()).isTrue();
        assertThat(status.lastError()).isNull();
    }

    @Test
    void aTokenFromTheTokenEndpointIsAccepted() throws Exception {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback(
                "corp", "svc-reports", "at+jwt", List.of("api"), Map.of("client_id", "reports"), 600));
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create(idp.tokenEndpointUrl("corp").toString()))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "grant_type=client_credentials&client_id=reports&client_secret=s&scope=api"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Jwts.JSON.readTree(response.body());

        Identity identity =
                (Identity) resolve(jwt.authenticate(body.get("access_token").asText()));
        // For client_credentials the provider makes the client its own subject.
        assertThat(identity.subject()).isEqualTo("reports");
        assertThat(identity.client()).isEqualTo("reports");
    }

    @Test
    void aTokenForAnotherAudienceIsRejected() {
        String token = idp.issueToken("corp", "alice", "someone-else").serialize();
        assertRejected(resolve(jwt.authenticate(token)), Failure.CREDENTIAL_INVALID);
    }

    @Test
    void aTokenFromAnotherIssuerOfTheSameServerIsRejected() {
        String token = idp.issueToken("elsewhere", "alice", "api").serialize();
        AuthOutcome outcome = jwt.authenticate(token);
        assertThat(outcome).as("unknown issuer: decided without any fetch").isInstanceOf(AuthOutcome.Rejected.class);
        assertRejected(outcome, Failure.CREDENTIAL_INVALID);
    }

    @Test
    void theFirstRequestMayWaitForDiscoveryButNotLonger() {
        Jwts.eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).hasKeys());
        String token = idp.issueToken("corp", "alice", "api").serialize();
        assertThat(jwt.authenticate(token)).isInstanceOf(Identity.class);
    }
}
