package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class ResponseRewriterTest {
    private static final String ID = "req-9";

    @ParameterizedTest(name = "length={0} bodiless={1} http11={2} keepAlive={3}")
    @CsvSource({
        // length, bodiless, http11, keepAlive -> returned keepAlive, transfer-encoding, connection
        "false, false, true,  true,  true,  chunked, ",
        "false, false, true,  false, false, chunked, close",
        "false, false, false, true,  false,        , close",
        "false, false, false, false, false,        , close",
        "true,  false, true,  true,  true,         , ",
        "true,  false, false, true,  true,         , keep-alive",
        "true,  false, false, false, false,        , close",
        "false, true,  true,  true,  true,         , ",
        "false, true,  false, true,  true,         , keep-alive",
        "false, true,  true,  false, false,        , close",
    })
    void framesTheBodyForTheClient(
            boolean length,
            boolean bodiless,
            boolean http11,
            boolean keepAlive,
            boolean expectedKeepAlive,
            String expectedTe,
            String expectedConnection) {
        HttpResponse r = response();
        if (length) {
            r.headers().set("Content-Length", "5");
        }

        boolean result = ResponseRewriter.rewrite(r, ID, bodiless, http11, keepAlive);

        assertThat(result).isEqualTo(expectedKeepAlive);
        assertThat(r.headers().get("transfer-encoding")).isEqualTo(expectedTe);
        assertThat(r.headers().get("connection")).isEqualTo(expectedConnection);
        assertThat(r.headers().get("content-length")).isEqualTo(length ? "5" : null);
        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    @Test
    void upstreamChunkingIsReplacedNotDuplicated() {
        HttpResponse r = response();
        r.headers().add("Transfer-Encoding", "chunked");

        ResponseRewriter.rewrite(r, ID, false, true, true);

        assertThat(r.headers().getAll("transfer-encoding")).containsExactly("chunked");
    }

    @Test
    void upstreamChunkedBodyToHttp10ClientIsCloseDelimited() {
        HttpResponse r = response();
        r.headers().add("Transfer-Encoding", "chunked").add("Connection", "keep-alive");

        boolean keepAlive = ResponseRewriter.rewrite(r, ID, false, false, true);

        assertThat(keepAlive).isFalse();
        assertThat(r.headers().contains("transfer-encoding")).isFalse();
        assertThat(r.headers().getAll("connection")).containsExactly("close");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer", "X-Listed"})
    void stripsHopByHopHeaders(String name) {
        HttpResponse r = response();
        r.headers().add("Content-Length", "0").add("Connection", "X-Listed").add(name, "x");

        ResponseRewriter.rewrite(r, ID, false, true, true);

        assertThat(r.headers().contains(name)).isFalse();
        assertThat(r.headers().contains("connection")).isFalse();
    }

    @Test
    void addsTheRequestIdWhenAbsent() {
        HttpResponse r = response();

        ResponseRewriter.rewrite(r, ID, true, true, true);

        assertThat(r.headers().getAll("x-request-id")).containsExactly(ID);
    }

    @Test
    void keepsTheApplicationsRequestId() {
        HttpResponse r = response();
        r.headers().add("X-Request-Id", "from-app");

        ResponseRewriter.rewrite(r, ID, true, true, true);

        assertThat(r.headers().getAll("x-request-id")).containsExactly("from-app");
    }

    @Test
    void answersInHttp11EvenWhenTheApplicationSaidHttp10() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
        r.headers().add("Content-Length", "0");

        ResponseRewriter.rewrite(r, ID, false, true, true);

        assertThat(r.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    }

    /** The application listing Content-Length in Connection must not leave a kept-alive response unframed. */
    @Test
    void connectionCannotUnframeTheResponse() {
        HttpResponse r = response();
        HttpHeaders h = r.headers();
        h.add("Content-Length", "5").add("Connection", "Content-Length");

        boolean keepAlive = ResponseRewriter.rewrite(r, ID, false, true, true);

        boolean framed = h.contains("content-length") || h.contains("transfer-encoding");
        assertThat(framed || !keepAlive)
                .as("body length known, or delimited by close")
                .isTrue();
    }

    private static HttpResponse response() {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    }
}
