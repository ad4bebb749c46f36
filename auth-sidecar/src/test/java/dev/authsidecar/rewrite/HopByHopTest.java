package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class HopByHopTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Connection",
                "Keep-Alive",
                "Proxy-Connection",
                "TE",
                "Trailer",
                "Transfer-Encoding",
                "Upgrade",
                "Proxy-Authenticate",
                "Proxy-Authorization",
                "CONNECTION",
                "keep-alive",
                "proxy-connection",
                "te",
                "PROXY-AUTHORIZATION",
                "upgrade",
            })
    void stripsTheFixedSetInAnyCase(String name) {
        HttpHeaders h = headers().add(name, "x");

        HopByHop.strip(h);

        assertThat(h.contains(name)).isFalse();
        assertThat(h.names()).containsExactlyInAnyOrder("host", "content-type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-A, X-B", "x-a,x-b", "X-A ,\tX-B", ",X-A,, X-B,", "close, X-A, x-b"})
    void stripsHeadersListedInConnection(String connection) {
        HttpHeaders h = headers()
                .add("Connection", connection)
                .add("X-A", "1")
                .add("x-b", "2")
                .add("X-C", "3");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("host", "content-type", "X-C");
    }

    @Test
    void stripsHeadersListedInEveryConnectionHeader() {
        HttpHeaders h = headers()
                .add("Connection", "X-A")
                .add("connection", "x-b")
                .add("CONNECTION", "keep-alive")
                .add("X-A", "1")
                .add("X-A", "2")
                .add("X-B", "3")
                .add("X-C", "4");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("host", "content-type", "X-C");
    }

    @Test
    void leavesEndToEndHeadersAlone() {
        HttpHeaders h = headers().add("Accept", "*/*").add("Cookie", "a=b").add("Trailers", "not hop-by-hop");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("host", "content-type", "Accept", "Cookie", "Trailers");
    }

    private static HttpHeaders headers() {
        return new DefaultHttpHeaders().add("host", "example").add("content-type", "text/plain");
    }
}
