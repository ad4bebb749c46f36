package dev.authsidecar.rewrite;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/** Headers that describe one connection and must not cross the proxy (RFC 9110 §7.6.1). */
public final class HopByHop {
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    /** Netty deprecates its constant (no standard defines the header), but HTTP/1.0 peers still send it. */
    static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");

    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.CONNECTION,
        KEEP_ALIVE,
        PROXY_CONNECTION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
    };

    private HopByHop() {}

    /**
     * Headers a sender may not declare hop-by-hop: removing {@code Content-Length} would forward a body without
     * its framing (the next hop would read it as another request), and {@code Host} routes the request.
     */
    private static boolean isEndToEnd(String name) {
        return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
    }

    /** Removes every header named in {@code Connection} (but never the framing), then the fixed hop-by-hop set. */
    public static void strip(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : values) {
                int start = 0;
                while (start <= value.length()) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? value.length() : comma;
                    String name = value.substring(start, end).trim();
                    if (!name.isEmpty() && !isEndToEnd(name)) {
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
