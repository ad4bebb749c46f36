package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RequestRewriterTest {
    private static final Identity ALICE = Identity.apiKey("alice");
    private static final String CLIENT_IP = "10.0.0.7";
    private static final String REQUEST_ID = "req-1";

    private final RequestRewriter rewriter = new RequestRewriter(false, false, "127.0.0.1:8080");

    @Test
    void replacesSpoofedIdentityWithTheVerifiedOne() {
        HttpRequest r = request();
        r.headers()
                .add("X-Auth-Subject", "admin")
                .add("x_auth_subject", "admin")
                .add("X.Auth.User", "root")
                .add("X-Auth-Method", "none")
                .add("X-Auth-Roles", "admin");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-auth-subject")).containsExactly("alice");
        assertThat(r.headers().getAll("x-auth-method")).containsExactly("api-key");
        assertThat(r.headers().names())
                .noneMatch(n -> IdentityHeaders.isIdentityAlias(n)
                        && !n.equalsIgnoreCase("x-auth-subject")
                        && !n.equalsIgnoreCase("x-auth-method"));
    }

    @Test
    void identityListedInConnectionCannotRemoveTheSidecarsOwn() {
        HttpRequest r = request();
        r.headers().add("Connection", "X-Auth-Subject, X-Auth-Method").add("X-Auth-Subject", "admin");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-auth-subject")).containsExactly("alice");
        assertThat(r.headers().getAll("x-auth-method")).containsExactly("api-key");
    }

    @Test
    void anonymousRequestCarriesNoIdentityHeaders() {
        HttpRequest r = request();
        r.headers().add("X-Auth-Subject", "admin").add("x.auth.method", "api-key");

        rewrite(rewriter, r, null);

        assertThat(r.headers().names()).noneMatch(IdentityHeaders::isIdentityAlias);
    }

    @Test
    void removesTheCredentialByDefault() {
        HttpRequest r = request();
        r.headers().add("Authorization", "Bearer secret");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().contains("authorization")).isFalse();
    }

    @Test
    void forwardsTheCredentialWhenConfigured() {
        HttpRequest r = request();
        r.headers().add("Authorization", "Bearer secret");

        rewrite(new RequestRewriter(true, false, "127.0.0.1:8080"), r, ALICE);

        assertThat(r.headers().getAll("authorization")).containsExactly("Bearer secret");
    }

    @Test
    void appendsTheClientToPriorXForwardedFor() {
        HttpRequest r = request();
        r.headers().add("X-Forwarded-For", "1.1.1.1, 2.2.2.2").add("x-forwarded-for", "3.3.3.3");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-forwarded-for")).containsExactly("1.1.1.1, 2.2.2.2, 3.3.3.3, " + CLIENT_IP);
    }

    @Test
    void startsXForwardedForWithTheClient() {
        HttpRequest r = request();

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-forwarded-for")).containsExactly(CLIENT_IP);
    }

    @Test
    void overwritesForwardedProtoAndHostUnlessTrusted() {
        HttpRequest r = request();
        r.headers().add("X-Forwarded-Proto", "https").add("X-Forwarded-Host", "evil.example");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-forwarded-proto")).containsExactly("http");
        assertThat(r.headers().getAll("x-forwarded-host")).containsExactly("app.example");
    }

    @Test
    void dropsTheStandardForwardedHeaderUnlessTrusted() {
        HttpRequest untrusted = request();
        untrusted.headers().add("Forwarded", "for=203.0.113.9;proto=https");
        HttpRequest trusted = request();
        trusted.headers().add("Forwarded", "for=203.0.113.9;proto=https");

        rewrite(rewriter, untrusted, ALICE);
        rewrite(new RequestRewriter(false, true, "127.0.0.1:8080"), trusted, ALICE);

        assertThat(untrusted.headers().contains("forwarded")).isFalse();
        assertThat(trusted.headers().getAll("forwarded")).containsExactly("for=203.0.113.9;proto=https");
    }

    @Test
    void lookAlikesOfTheForwardedHeadersNeverReachTheApplication() {
        HttpRequest r = request();
        r.headers()
                .add("X_Forwarded_For", "6.6.6.6")
                .add("x.forwarded.proto", "https")
                .add("X~Forwarded~Host", "evil.example");

        rewrite(new RequestRewriter(false, true, "127.0.0.1:8080"), r, ALICE);

        assertThat(r.headers().names()).doesNotContain("X_Forwarded_For", "x.forwarded.proto", "X~Forwarded~Host");
        assertThat(r.headers().getAll("x-forwarded-for")).containsExactly(CLIENT_IP);
    }

    @Test
    void keepsForwardedProtoAndHostWhenTrusted() {
        HttpRequest r = request();
        r.headers().add("X-Forwarded-Proto", "https").add("X-Forwarded-Host", "public.example");

        rewrite(new RequestRewriter(false, true, "127.0.0.1:8080"), r, ALICE);

        assertThat(r.headers().getAll("x-forwarded-proto")).containsExactly("https");
        assertThat(r.headers().getAll("x-forwarded-host")).containsExactly("public.example");
    }

    @Test
    void setsForwardedProtoAndHostWhenTrustedButAbsent() {
        HttpRequest r = request();

        rewrite(new RequestRewriter(false, true, "127.0.0.1:8080"), r, ALICE);

        assertThat(r.headers().getAll("x-forwarded-proto")).containsExactly("http");
        assertThat(r.headers().getAll("x-forwarded-host")).containsExactly("app.example");
    }

    @Test
    void preservesHost() {
        HttpRequest r = request();

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("host")).containsExactly("app.example");
    }

    @Test
    void http10WithoutHostGetsTheUpstreamAuthorityAndNoForwardedHost() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/x");
        r.headers().add("X-Forwarded-Host", "evil.example");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("host")).containsExactly("127.0.0.1:8080");
        assertThat(r.headers().contains("x-forwarded-host")).isFalse();
        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    @Test
    void setsTheRequestIdOverTheClientsOwn() {
        HttpRequest r = request();
        r.headers().add("X-Request-Id", "client-chosen").add("x-request-id", "another");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().getAll("x-request-id")).containsExactly(REQUEST_ID);
    }

    @Test
    void removesExpect() {
        HttpRequest r = request();
        r.headers().add("Expect", "100-continue");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().contains("expect")).isFalse();
    }

    @Test
    void restoresChunkedAfterStrippingHopByHop() {
        HttpRequest r = request();
        r.headers().add("Transfer-Encoding", "chunked").add("Connection", "Transfer-Encoding, keep-alive");

        new RequestRewriter(false, false, "127.0.0.1:8080").rewrite(r, "/t", ALICE, CLIENT_IP, REQUEST_ID, true);

        assertThat(r.headers().getAll("transfer-encoding")).containsExactly("chunked");
        assertThat(r.headers().contains("connection")).isFalse();
    }

    @Test
    void addsNoTransferEncodingWithoutAChunkedBody() {
        HttpRequest r = request();
        r.headers().add("Content-Length", "3");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().contains("transfer-encoding")).isFalse();
        assertThat(r.headers().getAll("content-length")).containsExactly("3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Keep-Alive", "Proxy-Authorization", "Upgrade", "TE", "Proxy-Connection", "Trailer"})
    void stripsHopByHopHeaders(String name) {
        HttpRequest r = request();
        r.headers().add(name, "x");

        rewrite(rewriter, r, ALICE);

        assertThat(r.headers().contains(name)).isFalse();
    }

    @Test
    void setsTheNormalizedTargetAndHttp11() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/a/../b?q");
        r.headers().add("Host", "app.example");

        rewrite(rewriter, r, ALICE);

        assertThat(r.uri()).isEqualTo("/t?q=1");
        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    /**
     * A body framed by Content-Length must keep its Content-Length upstream. If a client can delete it by naming
     * it in Connection, the application reads a bodiless request and parses the body as the next request, which
     * the sidecar never checked (request smuggling past authentication, with any X-Auth-* headers it likes).
     */
    @ParameterizedTest
    @ValueSource(strings = {"Content-Length", "content-length", "close, Content-Length"})
    void connectionCannotRemoveContentLength(String connection) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
        HttpHeaders h = r.headers();
        h.add("Host", "app.example").add("Content-Length", "42").add("Connection", connection);

        rewrite(rewriter, r, ALICE);

        assertThat(h.getAll("content-length")).containsExactly("42");
    }

    private static HttpRequest request() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/raw");
        r.headers().add("Host", "app.example");
        return r;
    }

    private static void rewrite(RequestRewriter rewriter, HttpRequest r, Identity identity) {
        rewriter.rewrite(r, "/t?q=1", identity, CLIENT_IP, REQUEST_ID, false);
    }
}
