package dev.authsidecar.testing;

import com.nimbusds.jose.jwk.JWK;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
 * The identity provider's key endpoint, on loopback, under the test's full control: which keys it serves at
 * {@code /jwks}, when it answers and what garbage it sends instead, and an OpenID discovery document at
 * {@code /.well-known/openid-configuration} that points there. Counts every request so tests can prove what was
 * (not) fetched. Open from construction, or (from {@link #forClass()}) as a {@link ClassFixture}.
 */
public class JwksServer implements ClassFixture {
    /** What the JWKS endpoint does with one exchange. */
    public interface Behaviour {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final SSLContext tls;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jwks-server");
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
    private volatile HttpServer server;

    /** Plain HTTP, serving no keys until told to. */
    public JwksServer() throws IOException {
        this(null);
    }

    /** @param tls serve https with this context, or plain http when {@code null} */
    public JwksServer(SSLContext tls) throws IOException {
        this.tls = tls;
        bind();
    }

    private JwksServer(SSLContext tls, boolean unopened) {
        this.tls = tls;
    }

    /** Opened before the test class's first test, closed after its last ({@code @RegisterExtension}). */
    public static JwksServer forClass() {
        return new JwksServer(null, true);
    }

    @Override
    public synchronized void open() throws IOException {
        if (server == null) {
            bind();
        }
    }

    private void bind() throws IOException {
        InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        HttpServer s;
        if (tls != null) {
            HttpsServer https = HttpsServer.create(local, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            s = https;
        } else {
            s = HttpServer.create(local, 0);
        }
        s.setExecutor(threads);
        s.createContext("/", this::handle);
        server = s;
        if (discoveryIssuer == null) {
            discoveryIssuer = issuer();
        }
        s.start();
    }

    private void handle(HttpExchange ex) throws IOException {
        allRequests.incrementAndGet();
        paths.add(ex.getRequestURI().getPath());
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        authorizations.add(auth == null ? "" : auth);
        try {
            if (ex.getRequestURI().getPath().equals("/jwks")) {
                jwksRequests.incrementAndGet();
                jwks.handle(ex);
            } else if (ex.getRequestURI().getPath().equals("/.well-known/openid-configuration")) {
                respond(
                        ex,
                        200,
                        "application/json",
                        "{\"issuer\":\"" + discoveryIssuer + "\",\"jwks_uri\":\"" + jwksUri() + "\"}");
            } else {
                respond(ex, 404, "text/plain", "not found");
            }
        } finally {
            ex.close();
        }
    }

    /** Opens the server first if it is a fixture not opened yet: another fixture may need the address sooner. */
    public String issuer() {
        if (server == null) {
            try {
                open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        HttpServer s = server;
        return (tls != null ? "https" : "http") + "://127.0.0.1:"
                + s.getAddress().getPort();
    }

    public URI jwksUri() {
        return URI.create(issuer() + "/jwks");
    }

    /** Serves these keys' public parts from now on. */
    public JwksServer serve(JWK... keys) {
        String body = Tokens.jwks(keys);
        jwks = ex -> respond(ex, 200, "application/json", body);
        return this;
    }

    /** Serves this document as it is, whatever it holds. */
    public JwksServer serve(String document) {
        jwks = ex -> respond(ex, 200, "application/json", document);
        return this;
    }

    public JwksServer behave(Behaviour b) {
        jwks = b;
        return this;
    }

    /** Answers only after the latch opens (or the server closes). */
    public JwksServer serveAfter(CountDownLatch gate, JWK... keys) {
        String body = Tokens.jwks(keys);
        jwks = ex -> {
            await(gate);
            respond(ex, 200, "application/json", body);
        };
        return this;
    }

    /** Accepts the request and never answers. */
    public JwksServer hang() {
        jwks = ex -> await(closing);
        return this;
    }

    public JwksServer discoveryIssuer(String issuer) {
        this.discoveryIssuer = issuer;
        return this;
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    public int allRequests() {
        return allRequests.get();
    }

    public List<String> paths() {
        return List.copyOf(paths);
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    public static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A 200 whose body never ends (chunked), up to 256 MiB in case nobody hangs up. */
    public static void endless(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        byte[] chunk = "{\"keys\":[                                                      "
                .repeat(1024)
                .getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = ex.getResponseBody()) {
            for (long sent = 0; sent < 256L << 20; sent += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException expected) {
            // The client hung up once it had read enough, which is the point.
        }
    }

    /** Sleeps, for behaviours that answer late; an interrupt ends the wait early. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        HttpServer s = server;
        if (s != null) {
            s.stop(0);
        }
        threads.shutdownNow();
    }
}
