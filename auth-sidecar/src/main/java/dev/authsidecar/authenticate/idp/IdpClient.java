package dev.authsidecar.authenticate.idp;

import dev.authsidecar.authenticate.TrustedCertificates;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * The sidecar's HTTP client to an identity provider: key sets, discovery documents and token introspection all go
 * through one of these. It owns the JDK {@link HttpClient} and everything each call needs around it: the trusted
 * CA bundle, no redirects (a redirect could carry a token or the client's credentials somewhere nobody
 * configured, or lead to plain http), a deadline for the whole exchange, a size limit on the body, cancelling an
 * abandoned exchange, and the mapping of every failure to one {@link IdpFailure} with a message safe to log.
 *
 * <p>One instance per remote JWT provider and one for introspection, owned by the authenticate stage and closed
 * with it, so a reload that replaces the stage does not leave clients behind. On JDK 21 and later closing it shuts
 * the {@code HttpClient} down ({@code shutdownNow}: its selector thread and pooled connections end); on 17 the
 * client has no such method and ends when it is no longer referenced, after its exchanges in flight were
 * cancelled here.
 */
public final class IdpClient implements AutoCloseable {
    private static final AtomicLong OPENED = new AtomicLong();
    private static final AtomicLong CLOSED = new AtomicLong();
    /**
     * {@code HttpClient.shutdownNow()}, JDK 21 and later; {@code null} on 17. Not {@code close()}: that waits for the
     * exchanges to finish, and it is called on a thread of the executor those exchanges complete on.
     */
    private static final Method SHUTDOWN_NOW = shutdownNow();

    /**
     * How calls are bounded.
     *
     * @param connectTimeout for establishing the connection (TCP and TLS)
     * @param responseTimeout from sending the request to the response head
     * @param deadline for the whole exchange, body included: a body that trickles in is bounded too
     * @param maxBytes the largest response body accepted
     * @param caFile a PEM bundle that replaces the JDK's trust store, or {@code null}
     * @param version HTTP/1.1 only, or HTTP/2 where the endpoint offers it
     */
    public record Settings(
            Duration connectTimeout,
            Duration responseTimeout,
            Duration deadline,
            int maxBytes,
            Path caFile,
            HttpClient.Version version) {
        public Settings {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(responseTimeout, "responseTimeout");
            Objects.requireNonNull(deadline, "deadline");
            Objects.requireNonNull(version, "version");
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
            }
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param executor runs the client's asynchronous work and completes the futures {@link #send} returns (a
     *     deadline that fires completes them on the JDK's timer thread instead); never an event loop
     * @throws IOException when the CA bundle cannot be read or holds no certificate; the message names the file
     */
    public IdpClient(Settings settings, Executor executor) throws IOException {
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(settings.version())
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                .executor(executor);
        if (settings.caFile() != null) {
            builder.sslContext(TrustedCertificates.sslContext(settings.caFile()));
        }
        this.http = builder.build();
        OPENED.incrementAndGet();
    }

    /**
     * Sends the request and completes with the body of a 200 answer, or exceptionally with an {@link IdpFailure}
     * (not wrapped) for anything else, this client being closed included. Never throws.
     *
     * @param request everything but the timeout, which comes from the settings
     */
    public CompletableFuture<byte[]> send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(settings.responseTimeout()).build();
        String endpoint = loggable(built.uri());
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (closed.get()) {
            result.completeExceptionally(new IdpFailure("the client for " + endpoint + " is closed"));
            return result;
        }
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = http.sendAsync(built, info -> new BoundedBody(settings.maxBytes(), endpoint));
        } catch (RuntimeException e) {
            result.completeExceptionally(failure(e, endpoint));
            return result;
        }
        inFlight.add(exchange);
        if (closed.get()) {
            // close() may have run between the check above and the add: it must not miss this exchange.
            exchange.cancel(true);
        }
        // The request's own timeout stops counting once the response head arrives; this one also bounds a body that
        // trickles in, and abandons the exchange when it fires.
        exchange.copy()
                .orTimeout(settings.deadline().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((response, e) -> {
                    inFlight.remove(exchange);
                    if (e != null) {
                        exchange.cancel(true);
                        result.completeExceptionally(failure(e, endpoint));
                    } else if (response.statusCode() != 200) {
                        result.completeExceptionally(
                                new IdpFailure("HTTP " + response.statusCode() + " from " + endpoint));
                    } else {
                        result.complete(response.body());
                    }
                });
        return result;
    }

    /** Explains a failed exchange; never names the request (it may hold a token) or the response body. */
    private IdpFailure failure(Throwable error, String endpoint) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof IdpFailure known) {
                return known;
            }
        }
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof HttpConnectTimeoutException) {
            return new IdpFailure("connecting to " + endpoint + " timed out after "
                    + settings.connectTimeout().toMillis() + " ms");
        }
        if (e instanceof HttpTimeoutException) {
            return new IdpFailure("no response from " + endpoint + " within "
                    + settings.responseTimeout().toMillis() + " ms");
        }
        if (e instanceof TimeoutException) {
            return new IdpFailure("no complete response from " + endpoint + " within "
                    + settings.deadline().toMillis() + " ms");
        }
        if (e instanceof CancellationException || closed.get()) {
            return new IdpFailure("the call to " + endpoint + " was abandoned: the client is closed");
        }
        if (e instanceof ConnectException) {
            return new IdpFailure(
                    "cannot connect to " + endpoint + (e.getMessage() != null ? ": " + e.getMessage() : ""));
        }
        if (e instanceof SSLException) {
            return new IdpFailure("TLS with " + endpoint + " failed: " + e.getMessage());
        }
        if (e instanceof IOException) {
            return new IdpFailure("fetching " + endpoint + " failed: "
                    + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : ""));
        }
        return new IdpFailure(
                "fetching " + endpoint + " failed: " + e.getClass().getSimpleName());
    }

    /**
     * Abandons the exchanges in flight (their futures fail with an {@link IdpFailure}) and closes the HTTP client
     * where the JDK can. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        inFlight.forEach(f -> f.cancel(true));
        inFlight.clear();
        if (SHUTDOWN_NOW != null) {
            try {
                SHUTDOWN_NOW.invoke(http);
            } catch (ReflectiveOperationException e) {
                // Nothing is left to do with a client being thrown away.
            }
        }
        CLOSED.incrementAndGet();
    }

    private static Method shutdownNow() {
        try {
            return HttpClient.class.getMethod("shutdownNow");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Clients created in this process so far. */
    public static long opened() {
        return OPENED.get();
    }

    /** Clients closed in this process so far; {@link #opened()} minus this is how many are open. */
    public static long closed() {
        return CLOSED.get();
    }

    /** Without user info or query, in case the operator put a credential in the URL. */
    public static String loggable(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() != null ? uri.getRawPath() : "");
    }
}
