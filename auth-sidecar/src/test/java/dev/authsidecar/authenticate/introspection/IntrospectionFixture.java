package dev.authsidecar.authenticate.introspection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A local RFC 7662 endpoint, a fake clock, and introspectors pointed at them; closes all of it after each
 * test. Use as {@code @RegisterExtension final IntrospectionFixture f = new IntrospectionFixture();}.
 */
final class IntrospectionFixture implements AfterEachCallback, AutoCloseable {
    static final Duration CACHE_TTL = Duration.ofMinutes(5);
    static final Duration NEGATIVE_CACHE_TTL = Duration.ofSeconds(10);
    /** Short enough for the timeout tests to stay quick, long enough for a loaded CI machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    static final int MAX_BYTES = 16 * 1024;

    final Rfc7662Server server;
    final FakeTime time = new FakeTime();
    final ExecutorService executor = Executors.newFixedThreadPool(4);
    final Path secretFile;
    private final List<Introspector> opened = new ArrayList<>();

    IntrospectionFixture() {
        try {
            secretFile = Files.createTempFile("client-secret", "");
            // With the newline an editor or `kubectl create secret --from-file` leaves behind.
            Files.writeString(secretFile, Rfc7662Server.CLIENT_SECRET + "\n");
            server = new Rfc7662Server();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    IntrospectionConfig config() {
        return new IntrospectionConfig(
                server.endpoint(),
                Rfc7662Server.CLIENT_ID,
                secretFile,
                CACHE_TTL,
                NEGATIVE_CACHE_TTL,
                TIMEOUT,
                MAX_BYTES,
                null,
                List.of());
    }

    Introspector introspector() throws IOException {
        return introspector(config());
    }

    Introspector introspector(IntrospectionConfig config) throws IOException {
        Introspector introspector = new Introspector(config, executor, time, time);
        opened.add(introspector);
        return introspector;
    }

    /**
     * The final outcome, waiting (boundedly) when it is pending. The bound is only a backstop against a hang: it
     * is longer than any introspector's own timeout in these tests, which always ends a pending call first.
     */
    static AuthOutcome await(AuthOutcome outcome) throws Exception {
        if (outcome instanceof AuthOutcome.Pending pending) {
            return pending.result().get(30, TimeUnit.SECONDS);
        }
        return outcome;
    }

    static Identity identity(AuthOutcome outcome) throws Exception {
        AuthOutcome result = await(outcome);
        assertThat(result).isInstanceOf(Identity.class);
        return (Identity) result;
    }

    static Failure failure(AuthOutcome outcome) throws Exception {
        AuthOutcome result = await(outcome);
        assertThat(result).isInstanceOf(Refusal.class);
        Failure failure = ((Refusal) result).failure();
        // The type says what the failure says: a refused token, or an endpoint that could not answer.
        assertThat(result)
                .isInstanceOf(
                        failure == Failure.AUTH_BACKEND_UNAVAILABLE
                                ? AuthOutcome.Unavailable.class
                                : AuthOutcome.Rejected.class);
        return failure;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    @Override
    public void close() throws IOException {
        opened.forEach(Introspector::close);
        server.close();
        executor.shutdownNow();
        Files.deleteIfExists(secretFile);
    }
}
