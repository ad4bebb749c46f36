package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a caller and the application see of authentication, over real sockets. */
@Timeout(30)
class AuthFlowTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url);

    @Test
    void noCredentialIs401WithBearerChallengeAndNeverReachesTheApplication() throws Exception {
        int before = upstream.requests();
        HttpResponse<String> r = sidecar.get("/ping");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"auth-sidecar\"");
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(r.body()).get("status").asInt()).isEqualTo(401);
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void unknownKeyIs401InvalidTokenAndTheBodyNamesNoKey() throws Exception {
        HttpResponse<String> r = sidecar.get("/ping", "Authorization", "Bearer sk_not_a_key");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate"))
                .hasValue("Bearer realm=\"auth-sidecar\", error=\"invalid_token\"");
        assertThat(r.body()).doesNotContain("alice").doesNotContain("bob").doesNotContain("sk_not_a_key");
    }

    @Test
    void otherSchemesCountAsNoCredential() throws Exception {
        HttpResponse<String> r = sidecar.get("/ping", "Authorization", "Basic YWxpY2U6c2VjcmV0");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"auth-sidecar\"");
    }

    @Test
    void validKeyReachesTheApplicationWithIdentityAndWithoutTheCredential() throws Exception {
        HttpResponse<String> r = sidecar.get("/ping", "Authorization", "Bearer " + RunningSidecar.KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = JSON.readTree(r.body()).get("headers");
        assertThat(h.get("x-auth-subject").get(0).asText()).isEqualTo("alice");
        assertThat(h.get("x-auth-method").get(0).asText()).isEqualTo("api-key");
        assertThat(h.has("authorization")).as("the credential is removed").isFalse();
    }

    @Test
    void schemeIsCaseInsensitive() throws Exception {
        HttpResponse<String> r = sidecar.get("/ping", "Authorization", "bEaReR " + RunningSidecar.OTHER_KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body())
                        .get("headers")
                        .get("x-auth-subject")
                        .get(0)
                        .asText())
                .isEqualTo("bob");
    }

    @Test
    void spoofedIdentityHeadersInEverySpellingAreReplaced() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /whoami HTTP/1.1\r\nHost: app\r\n"
                            + "Authorization: Bearer " + RunningSidecar.KEY + "\r\n"
                            + "X-Auth-Subject: admin\r\n"
                            + "x_auth_subject: admin\r\n"
                            + "X.Auth.Subject: admin\r\n"
                            + "x~auth|subject: admin\r\n"
                            + "X'Auth`Subject: admin\r\n"
                            + "x_forwarded_for: 6.6.6.6\r\n"
                            + "X-AUTH-METHOD: none\r\n"
                            + "X-Auth-Roles: superuser\r\n"
                            + "Connection: close\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 200");
            JsonNode h = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
                    .get("headers");
            assertThat(h.get("x-auth-subject")).hasSize(1);
            assertThat(h.get("x-auth-subject").get(0).asText()).isEqualTo("alice");
            assertThat(h.get("x-auth-method").get(0).asText()).isEqualTo("api-key");
            assertThat(h.has("x_auth_subject")).isFalse();
            assertThat(h.has("x.auth.subject")).isFalse();
            assertThat(h.has("x-auth-roles")).isFalse();
            assertThat(h.has("x~auth|subject")).isFalse();
            assertThat(h.has("x'auth`subject")).isFalse();
            assertThat(h.has("x_forwarded_for")).isFalse();
        }
    }

    @Test
    void connectionHeaderCannotRemoveTheSidecarsIdentity() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /whoami HTTP/1.1\r\nHost: app\r\n"
                            + "Authorization: Bearer " + RunningSidecar.KEY + "\r\n"
                            + "Connection: X-Auth-Subject, x_auth_method, X~Forwarded~For, close\r\n"
                            + "X-Auth-Subject: admin\r\n\r\n")
                    .readToEnd();
            JsonNode h = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
                    .get("headers");
            assertThat(h.get("x-auth-subject").get(0).asText()).isEqualTo("alice");
            assertThat(h.get("x-auth-method").get(0).asText()).isEqualTo("api-key");
            assertThat(h.get("x-forwarded-for").get(0).asText()).isEqualTo("127.0.0.1");
            assertThat(h.has("connection")).isFalse();
        }
    }

    @Test
    void publicPathsNeedNoCredentialAndCarryNoIdentity() throws Exception {
        HttpResponse<String> r = sidecar.get("/public/info", "X-Auth-Subject", "admin");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode h = JSON.readTree(r.body()).get("headers");
        assertThat(h.has("x-auth-subject")).isFalse();
        assertThat(sidecar.get("/public").statusCode()).isEqualTo(200);
        assertThat(sidecar.get("/publicity").statusCode()).isEqualTo(401);
    }

    @Test
    void anInvalidCredentialIsRefusedEvenOnAPublicPath() throws Exception {
        HttpResponse<String> r = sidecar.get("/public/info", "Authorization", "Bearer wrong");
        assertThat(r.statusCode()).isEqualTo(401);
    }

    @Test
    void dotSegmentsCannotEscapeAPublicPrefix() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /public/%2e%2e/admin HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 401");
        }
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /public/..;/admin HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void theApplicationReceivesTheNormalizedPathAndTheQueryAsSent() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /a/./b//c/../d%7e?x=%2F&y=1 HTTP/1.1\r\nHost: app\r\n"
                            + "Authorization: Bearer " + RunningSidecar.KEY + "\r\nConnection: close\r\n\r\n")
                    .readToEnd();
            JsonNode body = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(body.get("uri").asText()).isEqualTo("/a/b/d~?x=%2F&y=1");
        }
    }

    @Test
    void multipleAuthorizationHeadersAreRefused() throws Exception {
        try (RawHttp raw = new RawHttp(sidecar.port())) {
            String response = raw.send("GET /ping HTTP/1.1\r\nHost: app\r\n"
                            + "Authorization: Bearer " + RunningSidecar.KEY + "\r\n"
                            + "Authorization: Bearer " + RunningSidecar.OTHER_KEY + "\r\nConnection: close\r\n\r\n")
                    .readToEnd();
            assertThat(response).startsWith("HTTP/1.1 400");
        }
    }
}
