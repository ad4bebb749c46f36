package dev.authsidecar.authenticate.introspection;

import dev.authsidecar.authenticate.TrustedCertificates;
import dev.authsidecar.config.IntrospectionConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Speaks HTTP to the introspection endpoint (RFC 7662 §2.1): one form POST per token, authenticated as the
 * sidecar's client, bounded in time and in size. It knows nothing of what the answer means.
 */
final class IntrospectionClient {
    private final HttpClient http;
    private final URI endpoint;
    private final String authorization;
    private final Duration timeout;
    private final int maxResponseBytes;

    IntrospectionClient(IntrospectionConfig config, Executor executor) throws IOException {
        this.endpoint = config.endpoint();
        this.timeout = config.timeout();
        this.maxResponseBytes = config.maxResponseBytes();
        this.authorization = basic(config.clientId(), readSecret(config.clientSecretFile()));
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(timeout)
                // A redirect would carry the token and our credentials somewhere nobody configured.
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        if (config.caFile() != null) {
            builder.sslContext(TrustedCertificates.sslContext(config.caFile()));
        }
        this.http = builder.build();
    }

    /**
     * @return completes with the body of a 200 answer, or fails with a {@link BackendFailure} (possibly wrapped in a
     *     {@link CompletionException}) for anything else
     */
    CompletableFuture<byte[]> introspect(String token) {
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = http.sendAsync(request(token), info -> new LimitedBodySubscriber(maxResponseBytes));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(e));
        }
        // The request's own timeout stops counting once the response head arrives; this one also bounds a body
        // that trickles in, and abandons the exchange when it fires.
        return exchange.copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        exchange.cancel(true);
                        throw new CompletionException(failure(error));
                    }
                    if (response.statusCode() != 200) {
                        throw new CompletionException(new BackendFailure("answered HTTP " + response.statusCode()));
                    }
                    return response.body();
                });
    }

    /** Lets a JDK 21+ runtime release the client's selector thread; on 17 the client is simply dropped. */
    void close() {
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // Nothing is left to do with a client being thrown away.
            }
        }
    }

    private HttpRequest request(String token) {
        // The token goes in the body, never the URL, so no access log between here and the endpoint records it.
        String form = "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&token_type_hint=access_token";
        return HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
                .build();
    }

    /** Keeps only what is safe to log: never the request (it holds the token) or the response body. */
    private BackendFailure failure(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof BackendFailure known) {
                return known;
            }
        }
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof HttpConnectTimeoutException) {
            return new BackendFailure("could not connect within " + timeout.toMillis() + " ms");
        }
        if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
            return new BackendFailure("no complete answer within " + timeout.toMillis() + " ms");
        }
        if (e instanceof ConnectException) {
            return new BackendFailure("could not connect" + (e.getMessage() != null ? ": " + e.getMessage() : ""));
        }
        if (e instanceof IOException) {
            return new BackendFailure("I/O error: " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
        return new BackendFailure("request failed: " + e.getClass().getSimpleName());
    }

    /** client_secret_basic: RFC 6749 §2.3.1 form-encodes both parts before joining them, which many clients forget. */
    static String basic(String clientId, String secret) {
        String pair = form(clientId) + ":" + form(secret);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Secrets mounted from files usually end with the editor's newline, which is not part of the secret. */
    private static String readSecret(Path file) throws IOException {
        String secret = dev.authsidecar.config.BoundedFiles.readString(file);
        int end = secret.length();
        while (end > 0 && (secret.charAt(end - 1) == '\n' || secret.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            throw new IOException(file + ": the client secret file is empty");
        }
        return secret.substring(0, end);
    }
}
