package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.authsidecar.authenticate.TrustedCertificates;
import dev.authsidecar.config.BoundedFiles;
import dev.authsidecar.config.FetchUrls;
import dev.authsidecar.config.JwtProviderConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Fetches one provider's key set over HTTP: discovery document first when no {@code jwksUri} is configured,
 * then the JWK set. Everything runs on the given executor and the HTTP client's async API; the caller's thread
 * only starts it. Each response is bounded in time (connect, then read) and in size.
 */
final class KeySetFetcher {
    private final String provider;
    private final String issuer;
    private final URI configuredJwksUri;
    private final URI discoveryUri;
    private final Path tokenFile;
    private final int maxBytes;
    private final long readTimeoutMillis;
    private final long deadlineMillis;
    private final Executor executor;
    private final HttpClient client;
    /** Remembered between fetches; forgotten after a failure so the next attempt asks discovery again. */
    private volatile URI discoveredJwksUri;

    KeySetFetcher(JwtProviderConfig c, Executor executor) {
        this.provider = c.name();
        this.issuer = c.issuer();
        this.configuredJwksUri = c.jwksUri();
        this.discoveryUri = c.usesDiscovery() ? URI.create(stripSlash(c.issuer())
                + "/.well-known/openid-configuration") : null;
        this.tokenFile = c.tokenFile();
        this.maxBytes = c.fetchMaxBytes();
        this.readTimeoutMillis = c.fetchReadTimeout().toMillis();
        this.deadlineMillis = c.fetchConnectTimeout().toMillis() + readTimeoutMillis;
        this.executor = executor;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                // A redirect could lead anywhere, including to plain http; key endpoints do not need one.
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(c.fetchConnectTimeout())
                .executor(executor);
        if (c.caFile() != null) {
            try {
                b.sslContext(TrustedCertificates.sslContext(c.caFile()));
            } catch (IOException e) {
                throw new IllegalArgumentException("JWT provider '" + c.name() + "': cannot use caFile: "
                        + e.getMessage(), e);
            }
        }
        this.client = b.build();
    }

    /** Where keys come from, for log lines and status. */
    String source() {
        URI jwks = configuredJwksUri != null ? configuredJwksUri : discoveredJwksUri;
        return jwks != null ? jwks.toString() : discoveryUri.toString();
    }

    /** Completes with the new key set, or exceptionally with a cause {@link #describe} can explain. */
    CompletableFuture<KeySet> fetch() {
        CompletableFuture<KeySet> keys = CompletableFuture.supplyAsync(this::bearerToken, executor)
                .thenCompose(bearer -> jwksUri(bearer).thenCompose(uri -> get(uri, bearer)))
                .thenApply(body -> {
                    try {
                        return KeySet.parse(body, provider, KeySet.Source.FETCHED, System.nanoTime());
                    } catch (ParseException e) {
                        throw new CompletionException(new FetchFailed("not a usable JWK set: " + e.getMessage()));
                    }
                });
        return keys.whenComplete((k, e) -> {
            if (e != null) {
                discoveredJwksUri = null;
            }
        });
    }

    private CompletableFuture<URI> jwksUri(String bearer) {
        if (configuredJwksUri != null) {
            return CompletableFuture.completedFuture(configuredJwksUri);
        }
        URI known = discoveredJwksUri;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return get(discoveryUri, bearer).thenApply(body -> {
            URI found = fromDiscovery(body);
            discoveredJwksUri = found;
            return found;
        });
    }

    private URI fromDiscovery(String body) {
        try {
            Map<String, Object> doc = JSONObjectUtils.parse(body);
            // The document must speak for the issuer we trust, or it could hand us someone else's keys.
            if (!issuer.equals(JSONObjectUtils.getString(doc, "issuer"))) {
                throw new FetchFailed("discovery document names another issuer");
            }
            String jwks = JSONObjectUtils.getString(doc, "jwks_uri");
            if (jwks == null) {
                throw new FetchFailed("discovery document has no jwks_uri");
            }
            URI uri = URI.create(jwks);
            if (!FetchUrls.safeToFetch(uri)) {
                throw new FetchFailed("discovery names a jwks_uri that is not https: " + uri);
            }
            return uri;
        } catch (ParseException | IllegalArgumentException e) {
            throw new CompletionException(new FetchFailed("invalid discovery document: " + e.getMessage()));
        } catch (FetchFailed e) {
            throw new CompletionException(e);
        }
    }

    private CompletableFuture<String> get(URI uri, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                .timeout(Duration.ofMillis(readTimeoutMillis))
                .header("Accept", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        CompletableFuture<HttpResponse<byte[]>> sent = client.sendAsync(request.build(),
                BoundedBody.handler(maxBytes));
        // The request timeout ends at the response head; this also bounds a body that trickles in.
        CompletableFuture<HttpResponse<byte[]>> bounded = sent.copy().orTimeout(deadlineMillis, TimeUnit.MILLISECONDS);
        bounded.whenComplete((r, e) -> {
            if (e != null) {
                sent.cancel(true);
            }
        });
        return bounded.thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new CompletionException(new FetchFailed("HTTP " + r.statusCode() + " from " + uri));
            }
            return new String(r.body(), StandardCharsets.UTF_8);
        });
    }

    /** Re-read on every fetch: projected service-account tokens are rotated by the kubelet. */
    private String bearerToken() {
        if (tokenFile == null) {
            return null;
        }
        String token;
        try {
            token = BoundedFiles.readString(tokenFile).strip();
        } catch (IOException e) {
            throw new CompletionException(new FetchFailed("cannot read tokenFile " + tokenFile + ": "
                    + e.getClass().getSimpleName()));
        }
        // Checked here so an invalid value never reaches an exception message that might echo it.
        if (token.isEmpty() || !token.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            throw new CompletionException(new FetchFailed("tokenFile " + tokenFile
                    + " is empty or holds characters not allowed in a header"));
        }
        return token;
    }

    /** A short reason for logs and status, naming no token or secret. */
    String describe(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof FetchFailed) {
            return e.getMessage();
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connecting to " + source() + " timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no response from " + source() + " within " + readTimeoutMillis + " ms";
        }
        if (e instanceof TimeoutException) {
            return "no complete response from " + source() + " within " + deadlineMillis + " ms";
        }
        if (e instanceof ConnectException) {
            return "cannot connect to " + source();
        }
        if (e instanceof SSLException) {
            return "TLS with " + source() + " failed: " + e.getMessage();
        }
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return "fetching " + source() + " failed: " + message;
    }

    private static String stripSlash(String issuer) {
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }

    /** A failure whose message is already the whole explanation. */
    static final class FetchFailed extends Exception {
        FetchFailed(String message) {
            super(message, null, false, false);
        }
    }
}
