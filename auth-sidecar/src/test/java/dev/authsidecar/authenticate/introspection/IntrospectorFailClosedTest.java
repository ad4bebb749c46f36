package dev.authsidecar.authenticate.introspection;

import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.await;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.failure;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.identity;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.active;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.chunked;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.heldUntil;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.json;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.raw;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** Whenever the endpoint cannot give a proper answer, the request gets 503 and nobody gets in. */
class IntrospectorFailClosedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AuthOutcome.Unavailable UNAVAILABLE =
            new AuthOutcome.Unavailable("the token introspection endpoint is unavailable");

    @RegisterExtension
    final IntrospectionFixture f = new IntrospectionFixture();

    @Test
    void endpointThatRefusesConnectionsIsUnavailable() throws Exception {
        int closedPort = FreePorts.one();
        IntrospectionConfig c = f.config();
        Introspector introspector = f.introspector(new IntrospectionConfig(
                URI.create("http://127.0.0.1:" + closedPort + "/introspect"),
                c.clientId(),
                c.clientSecretFile(),
                c.cacheTtl(),
                c.negativeCacheTtl(),
                c.timeout(),
                c.maxResponseBytes(),
                null,
                List.of()));

        assertThat(await(introspector.authenticate("token"))).isEqualTo(UNAVAILABLE);
    }

    @Test
    void endpointThatAnswersTooLateIsUnavailableAfterTheTimeout() throws Exception {
        f.server.answer("token", Rfc7662Server.slowHead(Duration.ofSeconds(5), active(Map.of("sub", "alice"))));
        Introspector introspector = f.introspector();

        long start = System.nanoTime();
        AuthOutcome outcome = await(introspector.authenticate("token"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(outcome).isEqualTo(UNAVAILABLE);
        assertThat(took).isBetween(IntrospectionFixture.TIMEOUT.minusMillis(50), Duration.ofSeconds(3));
    }

    /** The JDK's request timeout stops at the response head; the body must be bounded too. */
    @Test
    void endpointWhoseBodyTricklesInIsUnavailableAfterTheTimeout() throws Exception {
        f.server.answer("token", Rfc7662Server.slowBody(Duration.ofSeconds(5), Map.of("active", true, "sub", "a")));
        Introspector introspector = f.introspector();

        long start = System.nanoTime();
        AuthOutcome outcome = await(introspector.authenticate("token"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(outcome).isEqualTo(UNAVAILABLE);
        assertThat(took).isBetween(IntrospectionFixture.TIMEOUT.minusMillis(50), Duration.ofSeconds(3));
    }

    static Stream<Arguments> brokenAnswers() throws Exception {
        byte[] activeJson = JSON.writeValueAsBytes(Map.of("active", true, "sub", "alice"));
        return Stream.of(
                Arguments.of(
                        "HTML error page",
                        raw(
                                200,
                                "text/html",
                                "<html><body>Bad gateway</body></html>".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("HTTP 500 with an active body", json(500, Map.of("active", true, "sub", "alice"))),
                Arguments.of("HTTP 401 (our credentials refused)", json(401, Map.of("error", "invalid_client"))),
                Arguments.of("HTTP 302 to elsewhere", (Rfc7662Server.Answer) exchange -> {
                    exchange.getResponseHeaders().set("Location", "http://127.0.0.1:1/steal");
                    raw(302, "text/plain", new byte[0]).send(exchange);
                }),
                Arguments.of("empty body", raw(200, "application/json", new byte[0])),
                Arguments.of("JSON array", json(200, List.of(Map.of("active", true, "sub", "alice")))),
                Arguments.of("JSON string", json(200, "active")),
                Arguments.of(
                        "truncated JSON",
                        raw(200, "application/json", Arrays.copyOf(activeJson, activeJson.length - 3))),
                Arguments.of("trailing garbage", raw(200, "application/json", concat(activeJson, " x".getBytes()))),
                Arguments.of("duplicate active", raw(200, "application/json", duplicateActive())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenAnswers")
    void brokenAnswerIsUnavailable(String name, Rfc7662Server.Answer answer) throws Exception {
        f.server.answer("token", answer);

        assertThat(await(f.introspector().authenticate("token"))).isEqualTo(UNAVAILABLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodySizes")
    void answerLargerThanTheLimitIsUnavailable(String name, boolean isChunked) throws Exception {
        byte[] atLimit = activeAnswerOfSize(IntrospectionFixture.MAX_BYTES);
        byte[] overLimit = activeAnswerOfSize(IntrospectionFixture.MAX_BYTES + 1);
        f.server.answer("at-limit", isChunked ? chunked(atLimit) : raw(200, "application/json", atLimit));
        f.server.answer("over-limit", isChunked ? chunked(overLimit) : raw(200, "application/json", overLimit));
        Introspector introspector = f.introspector();

        assertThat(identity(introspector.authenticate("at-limit")).subject()).isEqualTo("alice");
        assertThat(await(introspector.authenticate("over-limit"))).isEqualTo(UNAVAILABLE);
    }

    static Stream<Arguments> bodySizes() {
        return Stream.of(Arguments.of("with Content-Length", false), Arguments.of("chunked", true));
    }

    @Test
    void failuresAreLoggedOncePerStreakWithoutTokenOrSecret() throws Exception {
        String token = "tok-do-not-log-7f3a";
        // An endpoint that echoes the token back in its error page, as some do.
        f.server.answer(
                token,
                raw(
                        502,
                        "text/html",
                        ("<html>upstream failed for " + token + "</html>").getBytes(StandardCharsets.UTF_8)));
        Introspector introspector = f.introspector();
        ListAppender<ILoggingEvent> logs = capture();
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(await(introspector.authenticate(token))).isEqualTo(UNAVAILABLE);
            }
            f.server.answer(token, json(200, Map.of("active", false)));
            assertThat(failure(introspector.authenticate(token))).isEqualTo(Failure.CREDENTIAL_INVALID);
        } finally {
            Logger logger = (Logger) LoggerFactory.getLogger(Introspector.class);
            logger.detachAppender(logs);
            logger.setLevel(null);
        }

        assertThat(logs.list)
                .filteredOn(e -> e.getLevel() == Level.WARN)
                .hasSize(1)
                .first()
                .extracting(ILoggingEvent::getFormattedMessage)
                .asString()
                .contains("HTTP 502");
        assertThat(logs.list)
                .filteredOn(e -> e.getLevel() == Level.INFO)
                .hasSize(1)
                .first()
                .extracting(ILoggingEvent::getFormattedMessage)
                .asString()
                .contains("recovered after 3");
        assertThat(logs.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains(token) || m.contains(Rfc7662Server.CLIENT_SECRET));
    }

    /** A reload closes the old introspector: the calls it abandons are not an outage of the endpoint. */
    @Test
    void callsAbandonedByCloseAreNotAnOutage() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        f.server.answer("token", heldUntil(release, active(Map.of("sub", "alice"))));
        Introspector introspector = f.introspector();
        ListAppender<ILoggingEvent> logs = capture();
        try {
            AuthOutcome.Pending parked = (AuthOutcome.Pending) introspector.authenticate("token");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (f.server.requests() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(f.server.requests()).as("the call reached the endpoint").isEqualTo(1);

            introspector.close();

            assertThat(parked.result().get(5, TimeUnit.SECONDS)).isEqualTo(UNAVAILABLE);
            // The abandoned exchange ends on the executor after close() returned; give it the time to.
            Thread.sleep(500);
        } finally {
            release.countDown();
            Logger logger = (Logger) LoggerFactory.getLogger(Introspector.class);
            logger.detachAppender(logs);
            logger.setLevel(null);
        }
        assertThat(logs.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .isEmpty();
    }

    private static ListAppender<ILoggingEvent> capture() {
        Logger logger = (Logger) LoggerFactory.getLogger(Introspector.class);
        logger.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    private static byte[] activeAnswerOfSize(int size) throws Exception {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("active", true);
        answer.put("sub", "alice");
        answer.put("padding", "");
        int overhead = JSON.writeValueAsBytes(answer).length;
        answer.put("padding", "x".repeat(size - overhead));
        byte[] body = JSON.writeValueAsBytes(answer);
        assertThat(body).hasSize(size);
        return body;
    }

    /** Built with a generator, since ObjectMapper will not write a duplicate key from a Map. */
    private static byte[] duplicateActive() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField("active", false);
            g.writeStringField("sub", "alice");
            g.writeBooleanField("active", true);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
