package dev.authsidecar.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.ClientCertificate;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.testing.Tokens;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client certificates as a credential, end to end over real TLS: the optional listener (certificate or token),
 * the required listener (no certificate, wrong CA, expired), rules on auth methods and subjects, the
 * X-Forwarded-Client-Cert header, and certificate-bound JWTs (RFC 8705). Every test runs once per
 * {@code server.tls.provider}: client certificates are verified by the provider.
 */
@ParameterizedClass(name = "provider {0}")
@ValueSource(strings = {"jdk", "openssl"})
final class MtlsTest {
    static final String ISSUER = "https://idp.test/mtls";
    static final String PAYMENTS = "spiffe://cluster.local/ns/payments/sa/api";
    static final String SHOP = "spiffe://cluster.local/ns/shop/sa/web";

    @TempDir
    static Path dir;

    static TestCertificates.Issued serverCa;
    static TestCertificates.Issued clientCa;
    static TestCertificates.Issued payments;
    static TestCertificates.Issued shop;
    static RSAKey signingKey;
    static TestUpstream upstream;
    static RunningSidecar optional;
    static RunningSidecar required;
    static String provider;

    @Parameter
    String providerName;

    @BeforeParameterizedClassInvocation
    static void start(String name) throws Exception {
        provider = name;
        serverCa = TestCertificates.ca("server-ca");
        clientCa = TestCertificates.ca("client-ca");
        TestCertificates.Issued server = TestCertificates.server(serverCa);
        server.writeChain(dir.resolve("tls.crt"));
        server.writeKey(dir.resolve("tls.key"));
        clientCa.writeCert(dir.resolve("client-ca.crt"));
        payments = client(PAYMENTS, Instant.now().plus(Duration.ofDays(1)));
        shop = client(SHOP, Instant.now().plus(Duration.ofDays(1)));
        signingKey = Tokens.rsa("k1");
        Tokens.writeJwks(dir.resolve("jwks.json"), signingKey);
        upstream = new TestUpstream();
        String auth = "auth:\n" + RunningSidecar.keys()
                + "  jwt:\n    providers:\n      - name: idp\n        issuer: " + ISSUER + "\n"
                + "        audiences: [api]\n        jwksFile: " + dir.resolve("jwks.json") + "\n"
                + "  mtls:\n    subjectFrom: uri-san\n    forwardClientCert: true\n";
        String rules = "rules:\n"
                + "  - path: /mtls-only/**\n    require: {authMethods: [mtls]}\n"
                + "  - path: /jwt-and-mtls/**\n    require: {authMethods: [jwt, mtls]}\n"
                + "  - path: /payments/**\n    require: {subjects: [\"spiffe://cluster.local/ns/payments/**\"]}\n";
        optional = RunningSidecar.start(upstream.url(), tls("optional"), auth, rules);
        required = RunningSidecar.start(upstream.url(), tls("require"), auth, rules);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        optional.close();
        required.close();
        upstream.close();
    }

    static String tls(String clientAuth) {
        return "server:\n  listen: 127.0.0.1:0\n  tls:\n    provider: " + provider + "\n    certFile: "
                + dir.resolve("tls.crt") + "\n    keyFile: "
                + dir.resolve("tls.key") + "\n    clientCaFile: " + dir.resolve("client-ca.crt") + "\n    clientAuth: "
                + clientAuth + "\n";
    }

    static TestCertificates.Issued client(String spiffeId, Instant notAfter) {
        return TestCertificates.leaf(
                clientCa,
                "workload",
                "EC",
                Instant.now().minus(Duration.ofDays(2)),
                notAfter,
                List.of(TestCertificates.uri(spiffeId), TestCertificates.dns("api.payments.svc")));
    }

    static HttpResponse<String> get(RunningSidecar s, TestCertificates.Issued cert, String path, String... headers)
            throws Exception {
        SSLContext ctx = TestCertificates.clientContext(serverCa.cert(), cert);
        HttpClient c = HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
                        URI.create("https://localhost:" + s.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest lastSeen() {
        return upstream.seen().get(upstream.seen().size() - 1);
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    static String jwt(Map<String, Object> extra) {
        Map<String, Object> claims =
                Tokens.claims(ISSUER, "alice", "api", Instant.now().plusSeconds(300));
        claims.putAll(extra);
        return Tokens.token(signingKey, claims);
    }

    @Test
    void theProviderAskedForVerifiesTheCertificates() throws Exception {
        assertThat(required.admin("/metrics").body())
                .contains("auth_sidecar_tls_info{provider=\"" + providerName + "\"} 1.0");
    }

    @Test
    void aVerifiedCertificateIsTheIdentityWithoutAToken() throws Exception {
        HttpResponse<String> r = get(optional, payments, "/ping");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lastSeen().headers().get("X-Auth-Method")).isEqualTo("mtls");
        assertThat(lastSeen().headers().get("X-Auth-Subject")).isEqualTo(PAYMENTS);
        assertThat(lastSeen().headers().get("X-Auth-Issuer")).isEqualTo("CN=client-ca");
    }

    /** Each HTTP/2 stream reads its connection's verified certificate. */
    @Test
    void theCertificateIsTheIdentityOnHttp2StreamsToo() throws Exception {
        SSLContext ctx = TestCertificates.clientContext(serverCa.cert(), payments);
        HttpClient c = HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_2)
                .build();

        HttpResponse<String> r = c.send(
                java.net.http.HttpRequest.newBuilder(URI.create("https://localhost:" + optional.port() + "/ping"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lastSeen().headers().get("X-Auth-Method")).isEqualTo("mtls");
        assertThat(lastSeen().headers().get("X-Auth-Subject")).isEqualTo(PAYMENTS);
    }

    @Test
    void aBearerTokenDecidesTheSubjectWhenBothArePresent() throws Exception {
        HttpResponse<String> r = get(optional, payments, "/ping", "Authorization", bearer(RunningSidecar.KEY));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lastSeen().headers().get("X-Auth-Method")).isEqualTo("api-key");
        assertThat(lastSeen().headers().get("X-Auth-Subject")).isEqualTo("alice");
    }

    @Test
    void optionalListenerWithoutCertificateNeedsAToken() throws Exception {
        assertThat(get(optional, null, "/ping").statusCode()).isEqualTo(401);
        assertThat(get(optional, null, "/ping", "Authorization", bearer(RunningSidecar.KEY))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void requiredListenerRefusesMissingWrongCaAndExpiredCertificates() throws Exception {
        assertThat(get(required, payments, "/ping").statusCode()).isEqualTo(200);
        int before = upstream.requests();
        TestCertificates.Issued otherCa = TestCertificates.ca("client-ca"); // same name, different key
        TestCertificates.Issued foreign = TestCertificates.leaf(
                otherCa,
                "workload",
                "EC",
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(TestCertificates.uri(PAYMENTS)));
        TestCertificates.Issued expired = client(PAYMENTS, Instant.now().minus(Duration.ofHours(1)));

        assertThatThrownBy(() -> get(required, null, "/ping", "Authorization", bearer(RunningSidecar.KEY)))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(required, foreign, "/ping")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(required, expired, "/ping")).isInstanceOf(IOException.class);
        assertThat(upstream.requests()).isEqualTo(before);
        String metrics = required.admin("/metrics").body();
        assertThat(metrics)
                .contains("auth_sidecar_tls_certificate_expiry_timestamp_seconds{certificate=\"client_ca\"} "
                        + (double) clientCa.cert().getNotAfter().toInstant().getEpochSecond());
        assertThat(metrics.lines()
                        .filter(l -> l.startsWith(
                                "auth_sidecar_tls_handshake_failures_total{reason=\"client_certificate\"}"))
                        .findFirst()
                        .orElseThrow())
                .doesNotEndWith(" 0.0");
    }

    @Test
    void optionalListenerRefusesACertificateTheCaDidNotIssue() throws Exception {
        // Named like the real CA, so the JDK client offers it (it only offers certificates of the CAs the server
        // lists).
        TestCertificates.Issued foreign = TestCertificates.leaf(
                TestCertificates.ca("client-ca"),
                "x",
                "EC",
                Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(TestCertificates.uri(PAYMENTS)));

        assertThatThrownBy(() -> get(optional, foreign, "/ping")).isInstanceOf(IOException.class);
    }

    @Test
    void authMethodsRule() throws Exception {
        assertThat(get(optional, payments, "/mtls-only/x").statusCode()).isEqualTo(200);
        assertThat(get(optional, payments, "/mtls-only/x", "Authorization", bearer(RunningSidecar.KEY))
                        .statusCode())
                .as("a token over a client certificate: mtls proved the request too")
                .isEqualTo(200);
        assertThat(get(optional, null, "/mtls-only/x", "Authorization", bearer(RunningSidecar.KEY))
                        .statusCode())
                .isEqualTo(403);

        assertThat(get(optional, payments, "/jwt-and-mtls/x", "Authorization", bearer(jwt(Map.of())))
                        .statusCode())
                .isEqualTo(200);
        assertThat(get(optional, null, "/jwt-and-mtls/x", "Authorization", bearer(jwt(Map.of())))
                        .statusCode())
                .isEqualTo(403);
        assertThat(get(optional, payments, "/jwt-and-mtls/x").statusCode()).isEqualTo(403);
    }

    @Test
    void subjectsRule() throws Exception {
        assertThat(get(optional, payments, "/payments/charge").statusCode()).isEqualTo(200);
        assertThat(get(optional, shop, "/payments/charge").statusCode()).isEqualTo(403);
        assertThat(get(optional, null, "/payments/charge", "Authorization", bearer(RunningSidecar.KEY))
                        .statusCode())
                .as("alice is not under spiffe://cluster.local/ns/payments/")
                .isEqualTo(403);
    }

    @Test
    void theVerifiedCertificateIsForwardedAndASpoofedOneStripped() throws Exception {
        get(
                optional,
                payments,
                "/ping",
                "X-Forwarded-Client-Cert",
                "Hash=forged;URI=spiffe://evil",
                "X_Forwarded_Client_Cert",
                "Hash=forged2");
        HttpRequest seen = lastSeen();
        ClientCertificate expected = ClientCertificate.of(payments.cert());

        assertThat(seen.headers().getAll("X-Forwarded-Client-Cert"))
                .containsExactly("Hash=" + expected.hash() + ";Subject=\"CN=workload\";URI=" + PAYMENTS
                        + ";DNS=api.payments.svc");
        assertThat(seen.headers().names()).noneMatch(n -> n.equalsIgnoreCase("X_Forwarded_Client_Cert"));

        get(
                optional,
                null,
                "/ping",
                "Authorization",
                bearer(RunningSidecar.KEY),
                "X-Forwarded-Client-Cert",
                "Hash=forged;URI=" + PAYMENTS,
                "x-forwarded.client-cert",
                "Hash=forged2");
        assertThat(lastSeen().headers().names())
                .noneMatch(n -> n.replaceAll("[^a-zA-Z]", "").equalsIgnoreCase("xforwardedclientcert"));
    }

    @Test
    void aCertificateBoundTokenNeedsThatCertificate() throws Exception {
        String bound = jwt(Map.of(
                "cnf", Map.of("x5t#S256", ClientCertificate.of(payments.cert()).thumbprint())));

        HttpResponse<String> ok = get(optional, payments, "/ping", "Authorization", bearer(bound));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(lastSeen().headers().get("X-Auth-Subject")).isEqualTo("alice");

        HttpResponse<String> missing = get(optional, null, "/ping", "Authorization", bearer(bound));
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate"))
                .get()
                .asString()
                .contains("invalid_token");
        assertThat(missing.body()).contains("bound to a client certificate");

        HttpResponse<String> other = get(optional, shop, "/ping", "Authorization", bearer(bound));
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(other.body()).contains("bound to a different client certificate");

        String malformed = jwt(Map.of("cnf", Map.of("x5t#S256", 42)));
        assertThat(get(optional, payments, "/ping", "Authorization", bearer(malformed))
                        .statusCode())
                .isEqualTo(401);
    }
}
