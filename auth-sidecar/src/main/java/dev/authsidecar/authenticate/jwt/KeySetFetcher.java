package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.authsidecar.authenticate.idp.IdpClient;
import dev.authsidecar.authenticate.idp.IdpFailure;
import dev.authsidecar.config.BoundedFiles;
import dev.authsidecar.config.FetchUrls;
import dev.authsidecar.config.JwtProviderConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Fetches one provider's key set over HTTP: discovery document first when no {@code jwksUri} is configured,
 * then the JWK set. Everything runs on the given executor and the {@link IdpClient}'s async API; the caller's
 * thread only starts it. Each response is bounded in time (connect, then read) and in size by that client.
 */
final class KeySetFetcher implements AutoCloseable {
    private final String provider;
    private final String issuer;
    private final URI configuredJwksUri;
    private final URI discoveryUri;
    private final Path tokenFile;
    private final Executor executor;
    private final IdpClient client;
    /** Remembered between fetches; forgotten after a failure so the next attempt asks discovery again. */
    private volatile URI discoveredJwksUri;

    KeySetFetcher(JwtProviderConfig c, Executor executor) {
        this.provider = c.name();
        this.issuer = c.issuer();
        this.configuredJwksUri = c.jwksUri();
        this.discoveryUri =
                c.usesDiscovery() ? URI.create(stripSlash(c.issuer()) + "/.well-known/openid-configuration") : null;
        this.tokenFile = c.tokenFile();
        this.executor = executor;
        try {
            // HTTP/1.1: a key set is one small GET every few minutes, and plain http (loopback only) would otherwise
            // offer every IdP an h2c upgrade it may not expect.
            this.client = new IdpClient(
                    new IdpClient.Settings(
                            c.fetchConnectTimeout(),
                            c.fetchReadTimeout(),
                            c.fetchConnectTimeout().plus(c.fetchReadTimeout()),
                            c.fetchMaxBytes(),
                            c.caFile(),
                            HttpClient.Version.HTTP_1_1),
                    executor);
        } catch (IOException e) {
            throw new UnusableProvider(c.name(), "cannot use caFile: " + e.getMessage(), e);
        }
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
                        throw new CompletionException(new IdpFailure("not a usable JWK set: " + e.getMessage()));
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
                throw new IdpFailure("discovery document names another issuer");
            }
            String jwks = JSONObjectUtils.getString(doc, "jwks_uri");
            if (jwks == null) {
                throw new IdpFailure("discovery document has no jwks_uri");
            }
            URI uri = URI.create(jwks);
            if (!FetchUrls.safeToFetch(uri)) {
                throw new IdpFailure("discovery names a jwks_uri that is not https: " + uri);
            }
            return uri;
        } catch (ParseException | IllegalArgumentException e) {
            throw new CompletionException(new IdpFailure("invalid discovery document: " + e.getMessage()));
        } catch (IdpFailure e) {
            throw new CompletionException(e);
        }
    }

    private CompletableFuture<String> get(URI uri, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return client.send(request).thenApply(body -> new String(body, StandardCharsets.UTF_8));
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
            throw new CompletionException(new IdpFailure(
                    "cannot read tokenFile " + tokenFile + ": " + e.getClass().getSimpleName()));
        }
        // Checked here so an invalid value never reaches an exception message that might echo it.
        if (token.isEmpty() || !token.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            throw new CompletionException(
                    new IdpFailure("tokenFile " + tokenFile + " is empty or holds characters not allowed in a header"));
        }
        return token;
    }

    /** A short reason for logs and status, naming no token or secret. */
    String describe(Throwable error) {
        return IdpFailure.of(error).getMessage();
    }

    /** Abandons a fetch in flight and closes the HTTP client: the key set it was for is being discarded. */
    @Override
    public void close() {
        client.close();
    }

    private static String stripSlash(String issuer) {
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }
}
