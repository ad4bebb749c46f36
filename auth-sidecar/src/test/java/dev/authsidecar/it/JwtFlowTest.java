package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.testing.Tokens;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** JWTs and rules through the running proxy: what callers get and what the application receives. */
@Timeout(30)
class JwtFlowTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ISSUER = "https://idp.test/realms/shop";
    private static final RSAKey key = Tokens.rsa("k1");

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url, () -> new String[] {
        "auth:\n" + RunningSidecar.keys()
                + "  jwt:\n    providers:\n      - name: shop\n        issuer: " + ISSUER + "\n"
                + "        audiences: [main-service]\n        jwksFile: " + Tokens.jwksFile(key) + "\n"
                + "  claimHeaders:\n    X-Auth-Email: email\n    X-Auth-Groups: groups\n"
                + "  payloadHeader: X-Auth-Claims\n",
        "rules:\n"
                + "  - path: /open/**\n    allow: anonymous\n"
                + "  - path: /admin/**\n    require: {scopes: [admin]}\n"
                + "  - path: /reports/*\n    methods: [GET]\n    require: {claims: {groups: [finance]}}\n"
                + "  - path: /closed/**\n    deny: true\n",
        "cors:\n  allowPreflight: true\n"
    });

    /** The flow tests' caller: alice at the shop issuer, for main-service, with these claims added or replaced. */
    /**
     * The {@code auth} section of a sidecar with the test API keys and one JWT provider, {@code shop}, for
     * {@link #ISSUER} and audience main-service, whose keys come from {@code keySource} (a {@code jwksFile:} or
     * {@code jwksUri:} line, and any further provider lines, indented as the provider's keys).
     */
    static String authWithProvider(String keySource) {
        return "auth:\n" + RunningSidecar.keys()
                + "  jwt:\n    providers:\n      - name: shop\n        issuer: " + ISSUER + "\n"
                + "        audiences: [main-service]\n        " + keySource + "\n";
    }

    static String token(RSAKey signingKey, Map<String, Object> extra, Instant exp) {
        Map<String, Object> claims = Tokens.claims(ISSUER, "alice", "main-service", exp);
        claims.put("scope", "read write");
        claims.put("azp", "web-app");
        claims.put("email", "alice@example.com");
        claims.put("groups", List.of("finance", "staff"));
        claims.putAll(extra);
        return Tokens.token(signingKey, claims);
    }

    private static String valid() throws Exception {
        return token(key, Map.of(), Instant.now().plusSeconds(600));
    }

    @Test
    void aValidJwtReachesTheApplicationWithItsIdentity() throws Exception {
        String jwt = valid();
        HttpResponse<String> r = sidecar.get("/echo", "Authorization", "Bearer " + jwt);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = JSON.readTree(r.body()).get("headers");
        assertThat(h.get("x-auth-subject").get(0).asText()).isEqualTo("alice");
        assertThat(h.get("x-auth-method").get(0).asText()).isEqualTo("jwt");
        assertThat(h.get("x-auth-issuer").get(0).asText()).isEqualTo(ISSUER);
        assertThat(h.get("x-auth-scopes").get(0).asText()).isEqualTo("read write");
        assertThat(h.get("x-auth-client").get(0).asText()).isEqualTo("web-app");
        assertThat(h.get("x-auth-email").get(0).asText()).isEqualTo("alice@example.com");
        assertThat(h.get("x-auth-groups").get(0).asText()).isEqualTo("finance,staff");
        JsonNode payload = JSON.readTree(
                Base64.getUrlDecoder().decode(h.get("x-auth-claims").get(0).asText()));
        assertThat(payload.get("sub").asText()).isEqualTo("alice");
        assertThat(h.has("authorization")).as("the token is removed").isFalse();
        // Cached now: the same token again is still accepted.
        assertThat(sidecar.get("/echo", "Authorization", "Bearer " + jwt).statusCode())
                .isEqualTo(200);
    }

    @Test
    void spoofedClaimHeadersAreReplaced() throws Exception {
        HttpResponse<String> r = sidecar.get(
                "/echo",
                "Authorization",
                "Bearer " + valid(),
                "X-Auth-Email",
                "ceo@example.com",
                "X-Auth-Claims",
                "e30");
        JsonNode h = JSON.readTree(r.body()).get("headers");
        assertThat(h.get("x-auth-email")).hasSize(1);
        assertThat(h.get("x-auth-email").get(0).asText()).isEqualTo("alice@example.com");
        assertThat(h.get("x-auth-claims").get(0).asText()).isNotEqualTo("e30");
    }

    @Test
    void anExpiredOrForeignTokenIs401() throws Exception {
        HttpResponse<String> expired = sidecar.get(
                "/echo",
                "Authorization",
                "Bearer " + token(key, Map.of(), Instant.now().minusSeconds(3600)));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("www-authenticate").orElse("")).contains("invalid_token");

        RSAKey stranger = Tokens.rsa("k1");
        HttpResponse<String> forged = sidecar.get(
                "/echo",
                "Authorization",
                "Bearer " + token(stranger, Map.of(), Instant.now().plusSeconds(600)));
        assertThat(forged.statusCode()).isEqualTo(401);
    }

    @Test
    void aMissingScopeIs403WithTheScopeNamed() throws Exception {
        HttpResponse<String> r = sidecar.get("/admin/users", "Authorization", "Bearer " + valid());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("www-authenticate"))
                .hasValue("Bearer realm=\"auth-sidecar\", error=\"insufficient_scope\", scope=\"admin\"");
        String admin = token(key, Map.of("scope", "read admin"), Instant.now().plusSeconds(600));
        assertThat(sidecar.get("/admin/users", "Authorization", "Bearer " + admin)
                        .statusCode())
                .isEqualTo(200);
        assertThat(sidecar.get("/admin/users").statusCode())
                .as("no token at all")
                .isEqualTo(401);
    }

    @Test
    void claimRequirementsAndMethodsAreEnforced() throws Exception {
        assertThat(sidecar.get("/reports/q3", "Authorization", "Bearer " + valid())
                        .statusCode())
                .isEqualTo(200);
        String engineer =
                token(key, Map.of("groups", List.of("eng")), Instant.now().plusSeconds(600));
        assertThat(sidecar.get("/reports/q3", "Authorization", "Bearer " + engineer)
                        .statusCode())
                .isEqualTo(403);
        // The rule is for GET only; other methods fall through to the default (authenticated).
        HttpResponse<String> post = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/reports/q3"))
                                .header("Authorization", "Bearer " + engineer)
                                .POST(HttpRequest.BodyPublishers.ofString("x"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(200);
    }

    @Test
    void denyRulesHoldEvenWithAValidToken() throws Exception {
        HttpResponse<String> r = sidecar.get("/closed/x", "Authorization", "Bearer " + valid());
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void anonymousRulesAllowNoTokenButNotABadOne() throws Exception {
        assertThat(sidecar.get("/open/page").statusCode()).isEqualTo(200);
        assertThat(sidecar.get("/open/page", "Authorization", "Bearer eyJhbGciOi.bad.token")
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void corsPreflightsPassWithoutACredentialWhenSwitchedOn() throws Exception {
        HttpResponse<String> preflight = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/api/orders"))
                                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                .header("Origin", "https://shop.example")
                                .header("Access-Control-Request-Method", "POST")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        HttpResponse<String> plainOptions = sidecar.client()
                .send(
                        HttpRequest.newBuilder(sidecar.uri("/api/orders"))
                                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(plainOptions.statusCode()).isEqualTo(401);
    }

    @Test
    void apiKeysKeepWorkingBesideJwts() throws Exception {
        assertThat(sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY)
                        .statusCode())
                .isEqualTo(200);
    }
}
