package dev.authsidecar.authenticate.introspection;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A small RFC 7662 endpoint on an ephemeral port whose answer is chosen per token, so tests can make it
 * active, inactive, slow, broken or huge. It insists on the client's Basic credentials, as a real one does,
 * and records every request it gets.
 */
final class Rfc7662Server implements AutoCloseable {
    /** Both need form-encoding under RFC 6749 §2.3.1. */
    static final String CLIENT_ID = "sidecar:one";

    static final String CLIENT_SECRET = "s3cr+t/ü x";
    /** Written out by hand from the two above, so the test does not share the code under test's encoder. */
    static final String EXPECTED_AUTHORIZATION = "Basic "
            + Base64.getEncoder().encodeToString("sidecar%3Aone:s3cr%2Bt%2F%C3%BC+x".getBytes(StandardCharsets.UTF_8));

    private static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface Answer {
        void send(HttpExchange exchange) throws Exception;
    }

    record Seen(String method, URI uri, Map<String, List<String>> headers, Map<String, String> form) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Answer otherwise = json(200, Map.of("active", false));

    Rfc7662Server() throws IOException {
        this(null);
    }

    /** @param tls serve https with this context, or plain http when {@code null} */
    Rfc7662Server(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(threads);
        server.createContext("/oauth2/introspect", this::handle);
        server.start();
    }

    URI endpoint() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/introspect");
    }

    /** The answer for one token; any other token is inactive unless {@link #otherwise} says otherwise. */
    Rfc7662Server answer(String token, Answer answer) {
        answers.put(token, answer);
        return this;
    }

    Rfc7662Server otherwise(Answer answer) {
        this.otherwise = answer;
        return this;
    }

    int requests() {
        return seen.size();
    }

    List<Seen> seen() {
        return seen;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> form = parseForm(body);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.putAll(exchange.getRequestHeaders());
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI(), headers, form));
            if (!EXPECTED_AUTHORIZATION.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                json(401, Map.of("error", "invalid_client")).send(exchange);
                return;
            }
            answers.getOrDefault(form.get("token"), otherwise).send(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The client has gone (a timeout test): nothing to answer.
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    static Answer json(int status, Object value) {
        return exchange ->
                raw(status, "application/json", JSON.writeValueAsBytes(value)).send(exchange);
    }

    static Answer active(Map<String, ?> claims) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("active", true);
        answer.putAll(claims);
        return json(200, answer);
    }

    static Answer raw(int status, String contentType, byte[] body) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        };
    }

    /** Chunked: no Content-Length for the client to refuse up front. */
    static Answer chunked(byte[] body) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < body.length; i += 4096) {
                out.write(body, i, Math.min(4096, body.length - i));
            }
        };
    }

    /** Nothing at all until {@code delay} has passed. */
    static Answer slowHead(Duration delay, Answer then) {
        return exchange -> {
            Thread.sleep(delay.toMillis());
            then.send(exchange);
        };
    }

    /** The head and half the body at once, the rest after {@code delay}. */
    static Answer slowBody(Duration delay, Object value) {
        return exchange -> {
            byte[] body = JSON.writeValueAsBytes(value);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            Thread.sleep(delay.toMillis());
            out.write(body, body.length / 2, body.length - body.length / 2);
        };
    }

    /** Holds every request until the latch opens. */
    static Answer heldUntil(CountDownLatch release, Answer then) {
        return exchange -> {
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            then.send(exchange);
        };
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
