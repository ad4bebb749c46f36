package dev.authsidecar.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK's WebSocket client, with what it receives collected for assertions: whole messages and the close. */
public final class WsClient implements WebSocket.Listener {
    /** A close frame received: its status code and reason. */
    public record Close(int status, String reason) {}

    private final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private StringBuilder text = new StringBuilder();
    private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
    private WebSocket socket;

    /** What an HttpClient without {@code sslContext(…)} uses: such a client opens ws://, any other wss://. */
    private static final javax.net.ssl.SSLContext SSL_DEFAULT =
            HttpClient.newHttpClient().sslContext();

    /** Opens {@code ws://localhost:port/path} ({@code wss://} with a client given its own SSLContext) with the given extra headers (name, value, …). */
    public static WsClient open(HttpClient http, int port, String path, String... headers) throws Exception {
        return openAsync(http, port, path, headers).get(10, TimeUnit.SECONDS);
    }

    public static CompletableFuture<WsClient> openAsync(HttpClient http, int port, String path, String... headers) {
        return openAsync(http, Duration.ofSeconds(10), port, path, headers);
    }

    /** As {@link #openAsync(HttpClient, int, String, String...)}, failing when not open within {@code timeout}. */
    public static CompletableFuture<WsClient> openAsync(
            HttpClient http, Duration timeout, int port, String path, String... headers) {
        WsClient c = new WsClient();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(timeout).subprotocols("chat");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.buildAsync(
                        URI.create((http.sslContext() == SSL_DEFAULT ? "ws" : "wss") + "://localhost:" + port + path),
                        c)
                .thenApply(ws -> {
                    c.socket = ws;
                    return c;
                });
    }

    public WebSocket socket() {
        return socket;
    }

    public void sendText(String s) throws Exception {
        socket.sendText(s, true).get(10, TimeUnit.SECONDS);
    }

    public void sendBinary(byte[] b) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(b), true).get(30, TimeUnit.SECONDS);
    }

    /** The next whole message: a String or a byte[]. */
    public Object next(long millis) throws InterruptedException {
        return messages.poll(millis, TimeUnit.MILLISECONDS);
    }

    public CompletableFuture<Close> closed() {
        return closed;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text = new StringBuilder();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] part = new byte[data.remaining()];
        data.get(part);
        binary.writeBytes(part);
        if (last) {
            messages.add(binary.toByteArray());
            binary = new java.io.ByteArrayOutputStream();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }
}
