package dev.authsidecar.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;
import io.netty.util.AsciiString;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP/2 request checks of RFC 9113 §8.2.2 and §8.3, as a table of raw header blocks. A malformed request is a
 * stream error (RST_STREAM PROTOCOL_ERROR, §8.1.1); each case then sends a good request on the same connection,
 * which must still be answered: a refused stream never takes its connection down.
 */
@Timeout(60)
class Http2GuardTest {
    private static final String BEARER = "Bearer " + RunningSidecar.KEY;
    private static final String RESET = "RST_STREAM 1 PROTOCOL_ERROR";

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(upstream::url);

    private static Arguments c(String name, Supplier<Http2Headers> headers, String expected) {
        return Arguments.of(name, headers, expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("plain request, no credential", () -> RawH2.get("/ping"), "HEADERS 1 :status=401"),
                c("credential", () -> RawH2.get("/ping").add("authorization", BEARER), "HEADERS 1 :status=200"),
                c("te: trailers is allowed", () -> RawH2.get("/ping").add("te", "trailers"), "HEADERS 1 :status=401"),
                c("te other than trailers", () -> RawH2.get("/ping").add("te", "gzip"), RESET),
                c("connection", () -> RawH2.get("/ping").add("connection", "close"), RESET),
                c("keep-alive", () -> RawH2.get("/ping").add("keep-alive", "5"), RESET),
                c("proxy-connection", () -> RawH2.get("/ping").add("proxy-connection", "x"), RESET),
                c("transfer-encoding", () -> RawH2.get("/ping").add("transfer-encoding", "chunked"), RESET),
                c("upgrade", () -> RawH2.get("/ping").add("upgrade", "websocket"), RESET),
                c("upper-case field name", () -> RawH2.get("/ping").add("X-Upper", "1"), RESET),
                c("unknown pseudo-header", () -> RawH2.get("/ping").add(":foo", "1"), RESET),
                // DefaultHttp2Headers always puts pseudo-headers first; this one keeps the order given.
                c(
                        "pseudo-header after a regular field",
                        () -> ReadOnlyHttp2Headers.trailers(
                                false,
                                AsciiString.of(":method"),
                                AsciiString.of("GET"),
                                AsciiString.of(":scheme"),
                                AsciiString.of("http"),
                                AsciiString.of("x-a"),
                                AsciiString.of("1"),
                                AsciiString.of(":path"),
                                AsciiString.of("/ping")),
                        RESET),
                c("duplicate :path", () -> RawH2.get("/ping").add(":path", "/other"), RESET),
                c(
                        "no :path",
                        () -> new DefaultHttp2Headers(false)
                                .method("GET")
                                .scheme("http")
                                .authority("a"),
                        RESET),
                c(
                        "no :method",
                        () -> new DefaultHttp2Headers(false)
                                .path("/ping")
                                .scheme("http")
                                .authority("a"),
                        RESET),
                c(
                        "no :scheme",
                        () -> new DefaultHttp2Headers(false)
                                .method("GET")
                                .path("/ping")
                                .authority("a"),
                        RESET),
                c(
                        "response pseudo-header in a request",
                        () -> RawH2.get("/ping").status("200"),
                        RESET),
                c(
                        ":authority and host disagree",
                        () -> RawH2.get("/ping").add("host", "evil.test").add("authorization", BEARER),
                        RESET),
                c(
                        ":authority and host agree",
                        () -> RawH2.get("/ping").add("host", "sidecar.test"),
                        "HEADERS 1 :status=401"),
                c(
                        "host without :authority",
                        () -> new DefaultHttp2Headers(false)
                                .method("GET")
                                .scheme("http")
                                .path("/ping")
                                .add("host", "sidecar.test"),
                        "HEADERS 1 :status=401"),
                c(
                        "CONNECT",
                        () -> new DefaultHttp2Headers(false)
                                .method("CONNECT")
                                .authority("evil.test:443")
                                .add("authorization", BEARER),
                        "HEADERS 1 :status=400"),
                c(
                        "lower-case method",
                        () -> RawH2.get("/ping").method("get").add("authorization", BEARER),
                        "HEADERS 1 :status=400"),
                c("control byte in a value", () -> RawH2.get("/ping").add("x-a", "a\r\nx-b: b"), RESET));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void table(String name, Supplier<Http2Headers> headers, String expected) throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, headers.get(), true);
            assertThat(h2.nextOn(1)).startsWith(expected);
            h2.headers(3, RawH2.get("/ping"), true);
            assertThat(h2.nextOn(3)).startsWith("HEADERS 3 :status=401");
        }
    }

    /** A path is normalized, or refused, exactly as the same path sent over HTTP/1.1 is. */
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("paths")
    void pathsAreJudgedAsOverHttp11(String path) throws Exception {
        String h1 = http11Status(path);
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, RawH2.get(path).add("authorization", BEARER), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=" + h1);
        }
    }

    static Stream<String> paths() {
        return Stream.of(
                "/echo",
                "/a/../echo",
                "/a/%2fb",
                "/a%5cb",
                "/a/./b",
                "//echo",
                "/%00",
                "/a%zz",
                "/public/../secret",
                "echo",
                "*",
                "/a?b=%",
                "/%2e%2e/x");
    }

    @Test
    void normalizedPathIsWhatTheApplicationAndTheRulesSee() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            // /public/** is anonymous; /public/../secret is /secret, which is not.
            h2.headers(1, RawH2.get("/public/../secret"), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=401");
            h2.headers(3, RawH2.get("/public/./x/../y"), true);
            assertThat(h2.nextOn(3)).startsWith("HEADERS 3 :status=200");
        }
        assertThat(upstream.seen().get(upstream.seen().size() - 1).uri()).isEqualTo("/public/y");
    }

    @Test
    void contentLengthMustMatchTheDataFrames() throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(
                    1,
                    new DefaultHttp2Headers(false)
                            .method("POST")
                            .scheme("http")
                            .authority("sidecar.test")
                            .path("/upload")
                            .add("authorization", BEARER)
                            .add("content-length", "10"),
                    false);
            h2.data(1, "short".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.nextOn(1)).startsWith(RESET);
            h2.headers(
                    3,
                    new DefaultHttp2Headers(false)
                            .method("POST")
                            .scheme("http")
                            .authority("sidecar.test")
                            .path("/upload")
                            .add("authorization", BEARER)
                            .add("content-length", "2"),
                    false);
            h2.data(3, "too long".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.nextOn(3)).startsWith("RST_STREAM 3 PROTOCOL_ERROR");
            h2.headers(5, RawH2.get("/ping"), true);
            assertThat(h2.nextOn(5)).startsWith("HEADERS 5 :status=401");
        }
    }

    private static String http11Status(String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: sidecar.test\r\nAuthorization: " + BEARER
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            String line = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            return line.substring(9, 12);
        }
    }
}
