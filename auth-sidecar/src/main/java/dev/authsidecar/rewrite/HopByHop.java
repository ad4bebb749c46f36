package dev.authsidecar.rewrite;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/** Headers that describe one connection and must not cross the proxy (RFC 9110 §7.6.1). */
public final class HopByHop {
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
    };

    private HopByHop() {
    }

    /** Removes every header named in {@code Connection}, then the fixed hop-by-hop set. */
    public static void strip(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : values) {
                int start = 0;
                while (start <= value.length()) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? value.length() : comma;
                    String name = value.substring(start, end).trim();
                    if (!name.isEmpty()) {
                        headers.remove(name);
                    }
                    start = end + 1;
                }
            }
        }
        for (AsciiString name : ALWAYS) {
            headers.remove(name);
        }
    }
}
