package dev.authsidecar.guard;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.accept.TestPipelines;
import dev.authsidecar.config.AccessLogConfig;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.ConfigOverride;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.net.Transport;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.record.AccessLog;
import dev.authsidecar.record.Metrics;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.testing.ApiKeysOnly;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client pipeline as {@code accept} builds it, fed raw request bytes. */
final class RequestGuardWireTest {
    private static final String KEY_NAME = "billing-service";
    private static final String KEY = "sk_live_guard_test_0123456789";

    @TempDir
    static Path dir;

    private static SidecarConfig config;

    @BeforeAll
    static void loadConfig() throws IOException, ConfigException, NoSuchAlgorithmException {
        config = load(List.of());
    }

    static Arguments[] malformedRequests() {
        return new Arguments[] {
            row(
                    "CL with TE",
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "0\r\n\r\n"),
            row(
                    "TE with CL",
                    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                            + "0\r\n\r\n"),
            row("two CL, same value", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab"),
            row(
                    "two CL, different values",
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n" + "\r\nab"),
            row("CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\na"),
            row(
                    "HTTP/1.0 two CL, same value",
                    "POST / HTTP/1.0\r\nHost: x\r\nContent-Length: 1\r\n" + "Content-Length: 1\r\n\r\na"),
            row(
                    "HTTP/1.0 two CL, different values",
                    "POST / HTTP/1.0\r\nHost: x\r\nContent-Length: 1\r\n" + "Content-Length: 2\r\n\r\nab"),
            row("CL abc", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
            row("CL -1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
            row("CL +1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na"),
            row("CL 1 2", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n"),
            row("CL empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"),
            row("TE gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
            row("TE chunked, gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            row("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
            row("TE identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"),
            row(
                    "TE chunked twice",
                    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            row("TE on HTTP/1.0", "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            row("\\u0001 in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX-A\u0001b: 1\r\n\r\n"),
            row("\\u007f in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX-A\u007fb: 1\r\n\r\n"),
            row("space in a header name", "GET / HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n"),
            row("space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
            row("\\u0001 in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n"),
            row("\\u007f in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u007fb\r\n\r\n"),
            row("NUL in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"),
            row("bare CR in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"),
            row("bare LF everywhere", "GET / HTTP/1.1\nHost: x\n\n"),
            row("bare LF after a header", "GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n"),
            row("bare LF ending the head", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
            row("path %zz", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %2", "GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %", "GET /% HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %2F", "GET /a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %2f", "GET /a%2fb HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %5C", "GET /a%5Cb HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path %00", "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path backslash", "GET /a\\b HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path /..;/", "GET /public/..;/admin HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path /.;/", "GET /public/.;/admin HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("path with a fragment", "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("query with a fragment", "GET /a?b#c HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("non-ASCII path", "GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("absolute-form", "GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("CONNECT", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"),
            row("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"),
            row("two Host headers", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
            row("space inside the target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("malformed version", "GET / HTTP/1.10\r\nHost: x\r\n\r\n"),
            row("header line starting with a space", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
            row("no colon in a header", "GET / HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n"),
            row("lower-case method", "delete /admin HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("mixed-case method", "Get / HTTP/1.1\r\nHost: x\r\n\r\n"),
            row("digit in a method", "GET1 / HTTP/1.1\r\nHost: x\r\n\r\n"),
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestGets400AndClose(String name, String raw) {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, raw);

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(r.headers())
                .containsEntry("content-type", "application/problem+json")
                .containsEntry("connection", "close");
        assertThat(r.body()).contains("\"status\":400");
        assertThat(ch.isOpen()).as("connection closed").isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void oversizedRequestLineGets414() throws Exception {
        SidecarConfig small = load(List.of(new ConfigOverride("server.maxRequestLineBytes", "256", "test")));
        EmbeddedChannel ch = channel(small);
        Response r = send(ch, "GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 414 Request-URI Too Long");
        assertThat(r.headers()).containsEntry("content-type", "application/problem+json");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        SidecarConfig small = load(List.of(new ConfigOverride("server.maxHeaderBytes", "1024", "test")));
        EmbeddedChannel ch = channel(small);
        Response r = send(ch, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
        assertThat(r.headers()).containsEntry("content-type", "application/problem+json");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void headersJustWithinTheLimitAreNotRefusedForSize() throws Exception {
        SidecarConfig small = load(List.of(new ConfigOverride("server.maxHeaderBytes", "1024", "test")));
        EmbeddedChannel ch = channel(small);
        Response r = send(ch, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(900) + "\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void missingCredentialOnPrivatePathGets401WithChallenge() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "GET /orders HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(r.headers())
                .containsEntry("www-authenticate", "Bearer realm=\"auth-sidecar\"")
                .containsEntry("content-type", "application/problem+json")
                .containsKey("x-request-id");
        assertThat(r.text()).doesNotContain(KEY_NAME);
        assertThat(ch.isOpen()).as("a 401 keeps the connection").isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void wrongKeyGets401InvalidTokenWithoutNamingAnyKey() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "GET /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-" + KEY + "\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(r.headers())
                .containsEntry("www-authenticate", "Bearer realm=\"auth-sidecar\", error=\"invalid_token\"");
        assertThat(r.text()).doesNotContain(KEY_NAME).doesNotContain(KEY);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void wrongKeyOnPublicPathIsStillRefused() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "GET /public/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void duplicateAuthorizationGets400InvalidRequestButKeepsTheConnection() {
        EmbeddedChannel ch = channel(config);
        Response r = send(
                ch, "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n" + "Authorization: Bearer b\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(r.headers())
                .containsEntry("www-authenticate", "Bearer realm=\"auth-sidecar\", error=\"invalid_request\"");
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void pathIsNormalizedBeforeTheRulesSeeIt() {
        // /public/../orders is /orders: not public, so the caller must authenticate.
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "GET /public/../orders HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void saneClientRequestIdIsEchoed() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");

        assertThat(r.headers()).containsEntry("x-request-id", "abc-123");
        assertThat(r.body()).contains("\"requestId\":\"abc-123\"");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void secondRequestOnTheConnectionIsAnsweredAfterA401() {
        EmbeddedChannel ch = channel(config);
        Response first = send(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        Response second = send(ch, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(first.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(second.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void unauthenticatedUploadIsAnsweredAndTheConnectionClosed() {
        // The body is never read, so the connection cannot carry another request.
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
        assertThat(r.headers()).containsEntry("connection", "close");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void unsupportedExpectationGets417() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\na");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 417 Expectation Failed");
        assertThat(r.headers()).containsEntry("content-type", "application/problem+json");
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void expectContinueOnHttp10Gets417() {
        EmbeddedChannel ch = channel(config);
        Response r = send(ch, "POST / HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\na");

        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 417 Expectation Failed");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void obsFoldIsJoinedWithASpaceBeforeTheGuardSeesIt() throws RejectedRequest {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(TestPipelines.decoderConfig(config.server())));
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n \t two\r\n\r\n", US_ASCII));
        HttpRequest request = ch.readInbound();
        try {
            assertThat(request.decoderResult().isSuccess()).isTrue();
            assertThat(request.headers().getAll("x-a")).containsExactly("one two");
            assertThat(RequestGuard.check(request)).isEqualTo("/");
        } finally {
            ReferenceCountUtil.release(request);
        }
        LastHttpContent last = ch.readInbound();
        last.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    // ---- helpers

    private static Arguments row(String name, String raw) {
        return Arguments.of(name, raw);
    }

    private static SidecarConfig load(List<ConfigOverride> overrides)
            throws IOException, ConfigException, NoSuchAlgorithmException {
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(US_ASCII)));
        Path file = Files.writeString(
                dir.resolve("sidecar-" + overrides.size() + "-" + System.nanoTime() + ".yaml"),
                """
                auth:
                  apiKeys:
                    - name: %s
                      sha256: %s
                  publicPaths:
                    - /public/**
                """.formatted(KEY_NAME, sha));
        return ConfigLoader.load(file, overrides);
    }

    /** The client pipeline the production code builds, in front of an application that is never reached. */
    private static EmbeddedChannel channel(SidecarConfig config) {
        UpstreamPool pool =
                new UpstreamPool(config.upstream(), new InetSocketAddress("127.0.0.1", 9), Transport.NIO, null);
        Stages stages = ApiKeysOnly.stages(config, pool);
        return TestPipelines.client(
                config.server(), () -> stages, new Recorder(new Metrics(), new AccessLog(AccessLogConfig.Format.OFF)));
    }

    private static Response send(EmbeddedChannel ch, String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, ISO_8859_1));
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            sb.append(buf.toString(US_ASCII));
            buf.release();
        }
        return Response.parse(sb.toString());
    }

    private record Response(String text, String statusLine, Map<String, String> headers, String body) {
        static Response parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in:%n%s", text).isPositive();
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            return new Response(text, lines[0], headers, text.substring(end + 4));
        }
    }
}
