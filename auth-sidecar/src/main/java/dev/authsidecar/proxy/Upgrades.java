package dev.authsidecar.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Which requests may become a WebSocket tunnel. Only one exact shape does: HTTP/1.1 {@code GET} without a body,
 * {@code Connection} listing {@code upgrade}, and {@code Upgrade} naming just {@code websocket}. Anything else
 * is a plain request, and the rewrite stage strips its {@code Upgrade} (so {@code h2c} never reaches the
 * application).
 *
 * @param websocket {@code server.upgrades} lists {@code websocket}
 * @param idleTimeoutMillis {@code server.tunnelIdleTimeout}
 */
public record Upgrades(boolean websocket, long idleTimeoutMillis) {

    boolean isWebSocket(HttpRequest request, boolean hasBody) {
        if (!websocket
                || hasBody
                || !request.method().equals(HttpMethod.GET)
                || !request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return false;
        }
        HttpHeaders h = request.headers();
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        return upgrade != null
                && HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(upgrade.trim())
                && h.getAll(HttpHeaderNames.UPGRADE).size() == 1
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** After the rewrite stage removed every hop-by-hop header: the two that ask the application to switch. */
    static void restoreUpgradeHeaders(HttpHeaders h) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }
}
