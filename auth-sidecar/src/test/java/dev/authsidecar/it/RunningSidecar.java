package dev.authsidecar.it;

import dev.authsidecar.Sidecar;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.testing.ClassFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The sidecar started in-process on ephemeral ports, in front of a given upstream: at once ({@link #start}), or as a
 * {@link ClassFixture} ({@link #forClass}) shared by a test class's tests.
 */
public final class RunningSidecar implements ClassFixture {
    public static final String KEY = "sk_alice_0123456789abcdef";
    public static final String OTHER_KEY = "sk_bob_fedcba9876543210";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Supplier<String> upstreamUrl;
    private final Supplier<String[]> sections;
    private volatile Sidecar sidecar;

    private RunningSidecar(Supplier<String> upstreamUrl, Supplier<String[]> sections) {
        this.upstreamUrl = upstreamUrl;
        this.sections = sections;
    }

    /** @param sections more top-level YAML, merged by key: sections given here replace the defaults' */
    public static RunningSidecar start(String upstreamUrl, String... sections) {
        RunningSidecar running = new RunningSidecar(() -> upstreamUrl, () -> sections);
        running.open();
        return running;
    }

    /**
     * Started before the test class's first test and closed after its last ({@code @RegisterExtension}); the
     * upstream's address is asked for only then, so the upstream can be a fixture registered before this one.
     */
    public static RunningSidecar forClass(Supplier<String> upstreamUrl, String... sections) {
        return new RunningSidecar(upstreamUrl, () -> sections);
    }

    /** As {@link #forClass(Supplier, String...)}, for sections that name other fixtures' addresses. */
    public static RunningSidecar forClass(Supplier<String> upstreamUrl, Supplier<String[]> sections) {
        return new RunningSidecar(upstreamUrl, sections);
    }

    @Override
    public synchronized void open() {
        if (sidecar == null) {
            sidecar = launch(upstreamUrl.get(), sections.get());
        }
    }

    private static Sidecar launch(String upstreamUrl, String... sections) {
        StringBuilder yaml = new StringBuilder();
        String server = find(sections, "server:", "server:\n  listen: 127.0.0.1:0\n");
        String upstream = find(sections, "upstream:", "upstream:\n  url: " + upstreamUrl + "\n");
        String auth = find(sections, "auth:", "auth:\n" + keys() + "  publicPaths: [\"/public/**\", \"/healthz\"]\n");
        String shutdown = find(sections, "shutdown:", "shutdown:\n  drainDelay: 0s\n  timeout: 5s\n");
        yaml.append(server)
                .append(upstream.replace("URL", upstreamUrl))
                .append(auth.replace("KEYS\n", keys()))
                .append("admin:\n  listen: 127.0.0.1:0\n")
                .append(shutdown);
        for (String s : sections) {
            if (!s.startsWith("server:")
                    && !s.startsWith("upstream:")
                    && !s.startsWith("auth:")
                    && !s.startsWith("shutdown:")) {
                yaml.append(s.endsWith("\n") ? s : s + "\n");
            }
        }
        try {
            Path file = Files.createTempFile("sidecar", ".yaml");
            Files.writeString(file, yaml);
            SidecarConfig config = ConfigLoader.load(file, List.of());
            Files.delete(file);
            return Sidecar.start(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code apiKeys} entries for KEY (alice) and OTHER_KEY (bob), to put under {@code auth:}. */
    public static String keys() {
        return "  apiKeys:\n"
                + "    - name: alice\n      sha256: " + sha256(KEY) + "\n"
                + "    - name: bob\n      sha256: " + sha256(OTHER_KEY) + "\n";
    }

    private static String find(String[] sections, String prefix, String fallback) {
        for (String s : sections) {
            if (s.startsWith(prefix)) {
                return s.endsWith("\n") ? s : s + "\n";
            }
        }
        return fallback;
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public Sidecar sidecar() {
        Sidecar s = sidecar;
        if (s == null) {
            throw new IllegalStateException("not open yet: register it with @RegisterExtension");
        }
        return s;
    }

    public int port() {
        return sidecar().proxyAddress().getPort();
    }

    public int adminPort() {
        return sidecar().adminAddress().getPort();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> admin(String path) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        Sidecar s = sidecar;
        if (s != null) {
            s.close();
        }
    }
}
