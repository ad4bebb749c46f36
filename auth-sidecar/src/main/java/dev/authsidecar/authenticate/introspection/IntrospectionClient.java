package dev.authsidecar.authenticate.introspection;

import dev.authsidecar.authenticate.idp.IdpClient;
import dev.authsidecar.authenticate.idp.IdpFailure;
import dev.authsidecar.config.IntrospectionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Speaks HTTP to the introspection endpoint (RFC 7662 §2.1): one form POST per token, authenticated as the
 * sidecar's client, through an {@link IdpClient} that bounds it in time and in size. It knows nothing of what the
 * answer means.
 */
final class IntrospectionClient implements AutoCloseable {
    private final IdpClient http;
    private final URI endpoint;
    private final String authorization;

    IntrospectionClient(IntrospectionConfig config, Executor executor) throws IOException {
        this.endpoint = config.endpoint();
        this.authorization = basic(config.clientId(), readSecret(config.clientSecretFile()));
        // One timeout for connecting, for the answer's head and for all of it: a request waits for no more.
        this.http = new IdpClient(
                new IdpClient.Settings(
                        config.timeout(),
                        config.timeout(),
                        config.timeout(),
                        config.maxResponseBytes(),
                        config.caFile(),
                        HttpClient.Version.HTTP_2),
                executor);
    }

    /**
     * @return completes with the body of a 200 answer, or fails with an {@link IdpFailure} for anything else
     */
    CompletableFuture<byte[]> introspect(String token) {
        // The token goes in the body, never the URL, so no access log between here and the endpoint records it.
        String form = "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&token_type_hint=access_token";
        return http.send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8)));
    }

    /** Abandons the calls in flight and closes the HTTP client. */
    @Override
    public void close() {
        http.close();
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
