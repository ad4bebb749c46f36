package dev.authsidecar.h2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.it.H2cTestUpstream;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.testing.FreePorts;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sidecar's own failures, answered to gRPC callers the gRPC way: one HEADERS frame, trailers-only. */
@Timeout(60)
class GrpcAnswersTest {
    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @RegisterExtension
    static final RunningSidecar sidecar = RunningSidecar.forClass(
            upstream::url,
            "upstream:\n  url: URL\n  responseHeadTimeout: 300ms\n",
            "rules:\n  - path: /pkg.Admin/**\n    deny: true\n"
                    + "  - path: /pkg.Echo/Write\n    require: {scopes: [write]}\n");

    private static Http2Headers call(String path, String... extra) {
        Http2Headers h = RawH2.get(path)
                .method("POST")
                .add("content-type", "application/grpc")
                .add("te", "trailers");
        for (int i = 0; i < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        return h;
    }

    private static String answer(Http2Headers headers) throws Exception {
        try (RawH2 h2 = new RawH2(sidecar.port()).hello()) {
            h2.headers(1, headers, true);
            return h2.nextOn(1);
        }
    }

    @Test
    void noCredentialIsUnauthenticatedTrailersOnlyWithTheChallenge() throws Exception {
        String f = answer(call("/pkg.Echo/Say"));
        assertThat(f)
                .startsWith("HEADERS 1 :status=200")
                .endsWith(" END")
                .contains("content-type=application/grpc ")
                .contains("grpc-status=16")
                .contains("grpc-message=Authentication required: ")
                .contains("www-authenticate=Bearer realm=\"auth-sidecar\"");
    }

    @Test
    void invalidCredentialIsUnauthenticated() throws Exception {
        assertThat(answer(call("/pkg.Echo/Say", "authorization", "Bearer sk_nope")))
                .contains("grpc-status=16")
                .contains("error=\"invalid_token\"");
    }

    @Test
    void deniedMethodIsPermissionDeniedAndMissingScopeToo() throws Exception {
        assertThat(answer(call("/pkg.Admin/Drop", "authorization", "Bearer " + RunningSidecar.KEY)))
                .startsWith("HEADERS 1 :status=200")
                .contains("grpc-status=7");
        assertThat(answer(call("/pkg.Echo/Write", "authorization", "Bearer " + RunningSidecar.KEY)))
                .contains("grpc-status=7")
                .contains("error=\"insufficient_scope\"");
    }

    @Test
    void slowApplicationIsDeadlineExceeded() throws Exception {
        try (H2cTestUpstream app = new H2cTestUpstream(100);
                RunningSidecar h2c = RunningSidecar.start(
                        app.url(), "upstream:\n  url: URL\n  protocol: h2c\n  responseHeadTimeout: 300ms\n");
                RawH2 h2 = new RawH2(h2c.port()).hello()) {
            h2.headers(1, call("/slow?ms=2000", "authorization", "Bearer " + RunningSidecar.KEY), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200").contains("grpc-status=4");
        }
    }

    @Test
    void applicationDownIsUnavailable() throws Exception {
        int dead = FreePorts.one();
        try (RunningSidecar down =
                        RunningSidecar.start("http://127.0.0.1:" + dead, "upstream:\n  url: URL\n  protocol: h2c\n");
                RawH2 h2 = new RawH2(down.port()).hello()) {
            h2.headers(1, call("/pkg.Echo/Say", "authorization", "Bearer " + RunningSidecar.KEY), true);
            assertThat(h2.nextOn(1)).startsWith("HEADERS 1 :status=200").contains("grpc-status=14");
        }
    }

    @Test
    void grpcToAnHttp11ApplicationIsUnimplementedWithAReason() throws Exception {
        String f = answer(call("/pkg.Echo/Say", "authorization", "Bearer " + RunningSidecar.KEY));
        assertThat(f)
                .startsWith("HEADERS 1 :status=200")
                .contains("grpc-status=12")
                .contains("upstream.protocol");
    }

    @Test
    void restCallsStillGetProblemJson() throws Exception {
        assertThat(answer(RawH2.get("/pkg.Echo/Say")))
                .startsWith("HEADERS 1 :status=401")
                .contains("content-type=application/problem+json")
                .doesNotContain("grpc-status");
    }

    @Test
    void http11GrpcCallerGetsTheSameShape() throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /pkg.Echo/Say HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc+proto\r\n"
                            + "Content-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1024];
            int n = in.read(buf);
            String head = new String(buf, 0, n, StandardCharsets.ISO_8859_1).toLowerCase();
            assertThat(head)
                    .startsWith("http/1.1 200 ")
                    .contains("grpc-status: 16")
                    .contains("content-type: application/grpc\r\n");
        }
    }
}
