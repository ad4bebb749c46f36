package dev.authsidecar.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which requests may become a tunnel: one exact shape, nothing else. */
class UpgradesTest {
    private static final Upgrades ON = new Upgrades(true, 1000);

    @ParameterizedTest(name = "{0} {1} Connection: {2} / Upgrade: {3} body={4} -> {5}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                "GET    | HTTP/1.1 | Upgrade               | websocket            | false | true",
                "GET    | HTTP/1.1 | keep-alive, Upgrade   | WebSocket            | false | true",
                "GET    | HTTP/1.1 | UPGRADE               | websocket            | false | true",
                "GET    | HTTP/1.1 | Upgrade               | h2c                  | false | false",
                "GET    | HTTP/1.1 | Upgrade               | websocket, h2c       | false | false",
                "GET    | HTTP/1.1 | Upgrade               | websocket/13         | false | false",
                "GET    | HTTP/1.1 | keep-alive            | websocket            | false | false",
                "GET    | HTTP/1.1 | -                     | websocket            | false | false",
                "GET    | HTTP/1.1 | Upgrade               | -                    | false | false",
                "GET    | HTTP/1.0 | Upgrade               | websocket            | false | false",
                "POST   | HTTP/1.1 | Upgrade               | websocket            | false | false",
                "GET    | HTTP/1.1 | Upgrade               | websocket            | true  | false",
            })
    void detects(String method, String version, String connection, String upgrade, boolean body, boolean expected) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.valueOf(version), HttpMethod.valueOf(method), "/ws");
        if (connection != null) {
            r.headers().set("Connection", connection);
        }
        if (upgrade != null) {
            r.headers().set("Upgrade", upgrade);
        }
        assertThat(ON.isWebSocket(r, body)).isEqualTo(expected);
        assertThat(new Upgrades(false, 1000).isWebSocket(r, body))
                .as("server.upgrades: []")
                .isFalse();
    }

    @ParameterizedTest(name = "two Upgrade headers")
    @CsvSource("websocket")
    void twoUpgradeHeadersAreNotATunnel(String token) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        r.headers().set("Connection", "Upgrade").add("Upgrade", token).add("Upgrade", "h2c");
        assertThat(ON.isWebSocket(r, false)).isFalse();
    }
}
