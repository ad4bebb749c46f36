package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /ws/echo and /events against a real main-service, with the JDK's WebSocket and HTTP clients and raw sockets. */
@Timeout(120)
class StreamingEndpointsTest {
    /**
     * The bound of every wait here, each of which ends as soon as what it waits for happens. On a loaded two-core
     * machine the first WebSocket of a JVM (the JDK client's classes, its selector thread) took over 4 s of the
     * former 5 s; none of these tests is about speed, except the stop's, which is timed on its own.
     */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PATIENCE)
            .build();
    private MainService service;

    @BeforeEach
    void start() throws Exception {
        service = MainService.start(
                new InetSocketAddress("127.0.0.1", 0), new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        service.stop();
    }

    @Test
    void webSocketEchoesTextAndBinaryMessages() throws Exception {
        Recorder recorder = new Recorder();
        WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + service.hostPort() + "/ws/echo"), recorder)
                .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        ws.sendText("hello, sidecar", true).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("text:hello, sidecar");

        byte[] payload = new byte[200_000];
        new Random(7).nextBytes(payload);
        ws.sendBinary(ByteBuffer.wrap(payload), true).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("binary:" + java.util.Arrays.hashCode(payload) + "/" + payload.length);

        // A message sent in fragments comes back whole.
        ws.sendText("frag", false).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        ws.sendText("mented", true).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("text:fragmented");

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(recorder.next()).isEqualTo("close:1000");
        awaitLog(" GET /ws/echo 101 ");
    }

    @Test
    void aStopClosesOpenWebSocketsWithGoingAway() throws Exception {
        Recorder recorder = new Recorder();
        client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + service.hostPort() + "/ws/echo"), recorder)
                .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        // The WebSocket's exchange ended with its 101: the stop has nothing to wait for.
        assertThat(service.inFlight()).isZero();
        long started = System.nanoTime();
        service.stop();
        // The stop alone is timed: how soon the client then reads the close frame is not the stop's doing.
        Duration stopTook = Duration.ofNanos(System.nanoTime() - started);

        assertThat(recorder.next()).isEqualTo("close:1001");
        assertThat(stopTook).as("the stop did not wait out its grace").isLessThan(MainService.STOP_GRACE);
    }

    @Test
    void theHandshakeIsTheStandardOne() throws Exception {
        // RFC 6455's own example key and accept value.
        String response = raw(
                "GET /ws/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                "\r\n\r\n");

        assertThat(response)
                .startsWith("HTTP/1.1 101 ")
                .containsIgnoringCase("upgrade: websocket")
                .containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void aPlainRequestToTheWebSocketPathIs426() throws Exception {
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("http://" + service.hostPort() + "/ws/echo"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(426);
        assertThat(response.headers().firstValue("Upgrade")).hasValue("websocket");
        assertThat(response.body()).contains("WebSocket endpoint");

        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(URI.create("http://" + service.hostPort() + "/ws/echo"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void anUnsupportedWebSocketVersionIsRefused() throws Exception {
        String response = raw(
                "GET /ws/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                "\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 426 ").containsIgnoringCase("sec-websocket-version: 13");
    }

    @Test
    void eventsArriveOneByOneBeforeTheStreamEnds() throws Exception {
        long started = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> response = client.send(
                HttpRequest.newBuilder(URI.create("http://" + service.hostPort() + "/events"))
                        .header("X-Auth-Subject", "alice")
                        .build(),
                HttpResponse.BodyHandlers.ofLines());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(EventStream.CONTENT_TYPE);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        List<String> lines = new ArrayList<>();
        var it = response.body().iterator();
        // The stream has no end; reading the first three events proves each was sent on its own.
        while (lines.stream().filter(l -> l.startsWith("data: ")).count() < 3) {
            lines.add(it.next());
        }
        response.body().close();
        assertThat(lines.stream().filter(l -> l.startsWith("id: "))).containsExactly("id: 1", "id: 2", "id: 3");
        JsonNode first = Json.MAPPER.readTree(lines.get(1).substring("data: ".length()));
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("subject").asText()).isEqualTo("alice");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isGreaterThanOrEqualTo(EventStream.INTERVAL.multipliedBy(2));
        awaitLog(" GET /events 200 ");
    }

    @Test
    void countEndsTheStreamAndTheConnectionIsReused() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.address().getPort())) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            socket.getOutputStream()
                    .write(("GET /events?count=2 HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n"
                                    + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String text = readUntil(socket.getInputStream(), "{\"message\":\"pong\"}");
            assertThat(text)
                    .contains("transfer-encoding: chunked")
                    .contains("id: 42\n")
                    .contains("id: 43\n")
                    .doesNotContain("id: 44")
                    .contains("\r\n0\r\n\r\n");
        }
    }

    @Test
    void aBadCountIs400() throws Exception {
        for (String count : List.of("0", "-1", "x", "100001")) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://" + service.hostPort() + "/events?count=" + count))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("count=" + count).isEqualTo(400);
            assertThat(response.body()).contains("count must be a whole number");
        }
    }

    @Test
    void aStopEndsOpenEventStreamsCleanly() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.address().getPort())) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            socket.getOutputStream()
                    .write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            readUntil(socket.getInputStream(), "id: 1\n");
            CompletableFuture<Void> stop = CompletableFuture.runAsync(service::stop);
            String rest = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(rest).endsWith("0\r\n\r\n"); // the last chunk: a complete response, then EOF
            stop.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientLeavingEndsItsStream() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.address().getPort())) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            socket.getOutputStream()
                    .write("GET /events HTTP/1.1\r\nHost: x\r\nX-Auth-Subject: leaver\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            readUntil(socket.getInputStream(), "id: 1\n");
        }
        // Logged once the server notices; the exchange no longer counts as in flight.
        awaitLog(" GET /events 200 ");
        assertThat(service.inFlight()).isZero();
    }

    private void awaitLog(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!log.toString(StandardCharsets.UTF_8).contains(fragment) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).contains(fragment);
    }

    private String raw(String request, String until) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.address().getPort())) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return readUntil(socket.getInputStream(), until);
        }
    }

    private static String readUntil(InputStream in, String marker) throws Exception {
        StringBuilder text = new StringBuilder();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int c;
        while (text.indexOf(marker) < 0 && (c = reader.read()) != -1) {
            text.append((char) c);
        }
        return text.toString();
    }

    /** Collects what the server sends back, one entry per whole message. */
    private static final class Recorder implements WebSocket.Listener {
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add("text:" + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                byte[] all = binary.toByteArray();
                received.add("binary:" + java.util.Arrays.hashCode(all) + "/" + all.length);
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            received.add("close:" + status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            received.add("error:" + error);
        }

        String next() throws InterruptedException {
            String value = received.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(value).as("a message from the server within " + PATIENCE).isNotNull();
            return value;
        }
    }
}
