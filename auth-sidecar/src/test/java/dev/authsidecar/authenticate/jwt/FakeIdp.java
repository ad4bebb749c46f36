package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A key endpoint under the test's full control: which keys it serves, when it answers, and what garbage it sends
 * instead. Counts every request so tests can prove what was (not) fetched.
 */
final class FakeIdp implements AutoCloseable {
    /** What the JWKS endpoint does with one exchange. */
    interface Behaviour {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-idp");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final AtomicInteger allRequests = new AtomicInteger();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Behaviour jwks = ex -> respond(ex, 404, "text/plain", "no keys yet");
    private volatile String discoveryIssuer;

    private final String scheme;

    FakeIdp() throws IOException {
        this(null);
    }

    /** @param tls serve https with this context, or plain http when {@code null} */
    FakeIdp(SSLContext tls) throws IOException {
        InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls != null) {
            HttpsServer https = HttpsServer.create(local, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
            scheme = "https";
        } else {
            server = HttpServer.create(local, 0);
            scheme = "http";
        }
        server.setExecutor(threads);
        server.createContext("/", ex -> {
            allRequests.incrementAndGet();
            paths.add(ex.getRequestURI().getPath());
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            try {
                if (ex.getRequestURI().getPath().equals("/jwks")) {
                    jwksRequests.incrementAndGet();
                    jwks.handle(ex);
                } else if (ex.getRequestURI().getPath().equals("/.well-known/openid-configuration")) {
                    respond(ex, 200, "application/json", "{\"issuer\":\"" + discoveryIssuer + "\",\"jwks_uri\":\""
                            + jwksUri() + "\"}");
                } else {
                    respond(ex, 404, "text/plain", "not found");
                }
            } finally {
                ex.close();
            }
        });
        discoveryIssuer = issuer();
        server.start();
    }

    String issuer() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    URI jwksUri() {
        return URI.create(issuer() + "/jwks");
    }

    /** Serves these keys' public parts from now on. */
    FakeIdp serve(JWK... keys) {
        String body = new JWKSet(List.of(keys)).toString(true);
        jwks = ex -> respond(ex, 200, "application/json", body);
        return this;
    }

    FakeIdp behave(Behaviour b) {
        jwks = b;
        return this;
    }

    /** Answers only after the latch opens (or the server closes). */
    FakeIdp serveAfter(CountDownLatch gate, JWK... keys) {
        String body = new JWKSet(List.of(keys)).toString(true);
        jwks = ex -> {
            await(gate);
            respond(ex, 200, "application/json", body);
        };
        return this;
    }

    /** Accepts the request and never answers. */
    FakeIdp hang() {
        jwks = ex -> await(closing);
        return this;
    }

    FakeIdp discoveryIssuer(String issuer) {
        this.discoveryIssuer = issuer;
        return this;
    }

    int jwksRequests() {
        return jwksRequests.get();
    }

    int allRequests() {
        return allRequests.get();
    }

    List<String> paths() {
        return List.copyOf(paths);
    }

    List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A 200 whose body never ends (chunked), up to 256 MiB in case nobody hangs up. */
    static void endless(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        byte[] chunk = "{\"keys\":[                                                      ".repeat(1024)
                .getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = ex.getResponseBody()) {
            for (long sent = 0; sent < 256L << 20; sent += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException expected) {
            // The client hung up once it had read enough, which is the point.
        }
    }

    private void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
