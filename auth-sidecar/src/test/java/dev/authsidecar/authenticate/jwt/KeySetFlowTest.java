package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.assertRejected;
import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.eventually;
import static dev.authsidecar.authenticate.jwt.Jwts.header;
import static dev.authsidecar.authenticate.jwt.Jwts.resolve;
import static dev.authsidecar.authenticate.jwt.Jwts.sign;
import static dev.authsidecar.authenticate.jwt.Jwts.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Key sets over HTTP against a key endpoint the test controls: first load, refresh, rotation, unknown kids,
 * outages and garbage.
 */
@Timeout(20)
final class KeySetFlowTest {
    private static final RSAKey OLD = Jwts.rsa("old");
    private static final RSAKey NEW = Jwts.rsa("new");

    private FakeIdp idp;
    private ScheduledExecutorService executor;
    private JwtAuthenticator jwt;

    @BeforeEach
    void setUp() throws IOException {
        idp = new FakeIdp();
        executor = Jwts.executor();
    }

    @AfterEach
    void tearDown() {
        if (jwt != null) {
            jwt.close();
        }
        executor.shutdownNow();
        idp.close();
    }

    private JwtAuthenticator started(Providers p) {
        jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor);
        jwt.start();
        return jwt;
    }

    private void awaitKeys() {
        eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).hasKeys());
    }

    private AuthOutcome authenticate(RSAKey key) {
        return jwt.authenticate(token(key, claims(idp.issuer())));
    }

    @Test
    void aRequestBeforeTheFirstFetchEndsWaitsForIt() {
        CountDownLatch gate = new CountDownLatch(1);
        idp.serveAfter(gate, OLD);
        started(Providers.of(idp));
        eventually(Duration.ofSeconds(5), () -> idp.jwksRequests() == 1);

        AuthOutcome early = authenticate(OLD);
        assertThat(early).isInstanceOf(AuthOutcome.Pending.class);
        assertThat(((AuthOutcome.Pending) early).result()).isNotDone();
        gate.countDown();
        Identity identity = (Identity) resolve(early);
        assertThat(identity.subject()).isEqualTo("alice");
        assertThat(idp.jwksRequests())
                .as("the waiting request shares the first fetch")
                .isEqualTo(1);
    }

    @Test
    void anUnknownKidCausesOneRefetchAndIsAcceptedWhenTheIssuerHasTheKey() {
        idp.serve(OLD);
        started(Providers.of(idp));
        awaitKeys();
        idp.serve(OLD, NEW);

        AuthOutcome outcome = authenticate(NEW);
        assertThat(outcome).isInstanceOf(AuthOutcome.Pending.class);
        assertThat(resolve(outcome)).isInstanceOf(Identity.class);
        assertThat(idp.jwksRequests()).isEqualTo(2);
        assertThat(authenticate(NEW)).as("now known: no fetch, no wait").isInstanceOf(Identity.class);
        assertThat(idp.jwksRequests()).isEqualTo(2);
    }

    @Test
    void aKidStillUnknownAfterTheRefetchIsRejected() {
        idp.serve(OLD);
        started(Providers.of(idp));
        awaitKeys();
        assertRejected(resolve(authenticate(NEW)), Failure.CREDENTIAL_INVALID);
        assertThat(idp.jwksRequests()).isEqualTo(2);
    }

    @Test
    void randomKidsCauseAtMostOneFetchPerInterval() {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.unknownKidInterval = Duration.ofMinutes(1);
        started(p);
        awaitKeys();
        for (int i = 0; i < 200; i++) {
            RSAKey random =
                    new RSAKey.Builder(OLD).keyID(UUID.randomUUID().toString()).build();
            assertRejected(resolve(authenticate(random)), Failure.CREDENTIAL_INVALID);
        }
        assertThat(idp.jwksRequests()).as("the first load and a single refetch").isEqualTo(2);
        assertThat(authenticate(OLD)).isInstanceOf(Identity.class);
    }

    @Test
    void unknownKidsArrivingDuringAFetchWaitForThatFetch() {
        idp.serve(OLD);
        started(Providers.of(idp));
        awaitKeys();
        CountDownLatch gate = new CountDownLatch(1);
        idp.serveAfter(gate, OLD, NEW);
        List<AuthOutcome> waiting =
                Stream.generate(() -> authenticate(NEW)).limit(20).toList();
        assertThat(waiting).allMatch(o -> o instanceof AuthOutcome.Pending);
        gate.countDown();
        assertThat(waiting).allMatch(o -> resolve(o) instanceof Identity);
        assertThat(idp.jwksRequests()).isEqualTo(2);
    }

    @Test
    void keyRotationNeedsNoFailedRequest() {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.keysTtl = Duration.ofMillis(500);
        started(p);
        awaitKeys();
        assertThat(resolve(authenticate(OLD))).isInstanceOf(Identity.class);

        // The issuer publishes the new key, starts signing with it at once, and later drops the old one.
        idp.serve(OLD, NEW);
        assertThat(resolve(authenticate(NEW))).isInstanceOf(Identity.class);
        assertThat(resolve(authenticate(OLD))).isInstanceOf(Identity.class);
        int before = idp.jwksRequests();
        idp.serve(NEW);
        eventually(Duration.ofSeconds(5), () -> idp.jwksRequests() >= before + 2);
        for (int i = 0; i < 20; i++) {
            assertThat(resolve(authenticate(NEW))).isInstanceOf(Identity.class);
        }
        assertRejected(resolve(authenticate(OLD)), Failure.CREDENTIAL_INVALID);
    }

    @Test
    void keysAreRefreshedInTheBackgroundBeforeTheyExpire() {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.keysTtl = Duration.ofMillis(500);
        started(p);
        awaitKeys();
        eventually(Duration.ofSeconds(5), () -> idp.jwksRequests() >= 3);
        assertThat(jwt.status().get(0).age()).isLessThan(Duration.ofMillis(500));
    }

    @Test
    void whenTheIssuerGoesDownTheLastKeysKeepWorkingAndStatusSaysWhy() {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.keysTtl = Duration.ofMillis(300);
        started(p);
        awaitKeys();
        idp.behave(ex -> FakeIdp.respond(ex, 503, "text/plain", "maintenance"));
        int before = idp.jwksRequests();
        eventually(
                Duration.ofSeconds(5),
                () -> idp.jwksRequests() > before && jwt.status().get(0).lastError() != null);

        KeySetStatus status = jwt.status().get(0);
        assertThat(status.hasKeys()).isTrue();
        assertThat(status.lastError()).contains("HTTP 503");
        eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).age().compareTo(Duration.ofMillis(400)) > 0);
        assertThat(authenticate(OLD)).as("past its TTL, within max stale").isInstanceOf(Identity.class);

        idp.serve(OLD);
        eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).lastError() == null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void garbageFromTheIssuerKeepsTheLastGoodKeys(String what, FakeIdp.Behaviour response, String reported) {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.keysTtl = Duration.ofMillis(300);
        p.maxBytes = 16 * 1024;
        started(p);
        awaitKeys();
        idp.behave(response);
        eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).lastError() != null);

        assertThat(jwt.status().get(0).lastError()).contains(reported);
        assertThat(jwt.status().get(0).hasKeys()).isTrue();
        assertThat(resolve(authenticate(OLD))).isInstanceOf(Identity.class);
        assertRejected(resolve(authenticate(NEW)), Failure.CREDENTIAL_INVALID);
    }

    static Stream<Arguments> garbage() {
        return Stream.of(
                Arguments.of(
                        "an HTML error page",
                        (FakeIdp.Behaviour)
                                ex -> FakeIdp.respond(ex, 200, "text/html", "<html><body>Sign in</body></html>"),
                        "not a usable JWK set"),
                Arguments.of(
                        "invalid JSON",
                        (FakeIdp.Behaviour)
                                ex -> FakeIdp.respond(ex, 200, "application/json", "{\"keys\": [{\"kty\": \"RSA\""),
                        "not a usable JWK set"),
                Arguments.of(
                        "JSON that is no key set",
                        (FakeIdp.Behaviour) ex -> FakeIdp.respond(ex, 200, "application/json", "{\"issuer\":\"x\"}"),
                        "not a usable JWK set"),
                Arguments.of(
                        "an empty key set",
                        (FakeIdp.Behaviour) ex -> FakeIdp.respond(ex, 200, "application/json", "{\"keys\":[]}"),
                        "no key that can verify"),
                Arguments.of(
                        "only an encryption key",
                        (FakeIdp.Behaviour) ex -> FakeIdp.respond(
                                ex,
                                200,
                                "application/json",
                                "{\"keys\":["
                                        + new RSAKey.Builder(NEW.toPublicJWK())
                                                .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION)
                                                .keyID("new")
                                                .build()
                                        + "]}"),
                        "no key that can verify"),
                Arguments.of(
                        "a body over the size limit",
                        (FakeIdp.Behaviour) ex -> FakeIdp.respond(
                                ex, 200, "application/json", "{\"keys\":[]" + " ".repeat(32 * 1024) + "}"),
                        "larger than"),
                Arguments.of("a body without end", (FakeIdp.Behaviour) FakeIdp::endless, "larger than"));
    }

    @Test
    void anIssuerDownFromTheStartGets503OnceTheFirstFetchFails() throws IOException {
        int closedPort = FreePorts.one();
        started(Providers.of("http://127.0.0.1:" + closedPort, URI.create("http://127.0.0.1:" + closedPort + "/jwks")));
        AuthOutcome outcome = jwt.authenticate(token(OLD, claims("http://127.0.0.1:" + closedPort)));
        assertRejected(resolve(outcome), Failure.AUTH_BACKEND_UNAVAILABLE);

        KeySetStatus status = jwt.status().get(0);
        assertThat(status.hasKeys()).isFalse();
        assertThat(status.age()).isNull();
        assertThat(status.lastError()).contains("cannot connect");
    }

    @Test
    void aHangingIssuerNeverBlocksTheCaller() {
        idp.hang();
        started(Providers.of(idp));
        long start = System.nanoTime();
        AuthOutcome outcome = authenticate(OLD);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100));
        assertThat(outcome).isInstanceOf(AuthOutcome.Pending.class);

        assertRejected(resolve(outcome), Failure.AUTH_BACKEND_UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("bounded by connect + read timeouts")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(jwt.status().get(0).lastError()).contains("response from");
    }

    @Test
    void keysOlderThanTtlPlusMaxStaleAreNoLongerTrusted() {
        idp.serve(OLD);
        Providers p = Providers.of(idp);
        p.keysTtl = Duration.ofMillis(200);
        p.keysMaxStale = Duration.ofMillis(200);
        p.unknownKidInterval = Duration.ofMinutes(1);
        started(p);
        awaitKeys();
        idp.behave(ex -> FakeIdp.respond(ex, 500, "text/plain", "down"));
        eventually(Duration.ofSeconds(5), () -> !jwt.status().get(0).hasKeys());
        assertRejected(resolve(authenticate(OLD)), Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void discoveryFindsTheKeys() {
        idp.serve(OLD);
        Providers p = Providers.of(idp.issuer(), null);
        started(p);
        awaitKeys();
        assertThat(authenticate(OLD)).isInstanceOf(Identity.class);
        assertThat(idp.paths()).startsWith("/.well-known/openid-configuration", "/jwks");
    }

    @Test
    void aDiscoveryDocumentForAnotherIssuerIsRefused() {
        idp.serve(OLD).discoveryIssuer("https://evil.example");
        started(Providers.of(idp.issuer(), null));
        eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).lastError() != null);
        assertThat(jwt.status().get(0).lastError()).contains("another issuer");
        assertThat(idp.jwksRequests()).isZero();
        assertRejected(resolve(authenticate(OLD)), Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void closeReleasesWaitingRequests() {
        idp.hang();
        Providers p = Providers.of(idp);
        p.readTimeout = Duration.ofSeconds(10);
        started(p);
        AuthOutcome outcome = authenticate(OLD);
        jwt.close();
        assertRejected(resolve(outcome), Failure.AUTH_BACKEND_UNAVAILABLE);
    }

    @Test
    void tokensWithoutKidAreTriedAgainstEveryFittingKey() {
        idp.serve(OLD, NEW, Jwts.ec("ec"));
        started(Providers.of(idp));
        awaitKeys();
        String noKid = sign(JWSAlgorithm.RS256, NEW, header(JWSAlgorithm.RS256, null), claims(idp.issuer()));
        assertThat(jwt.authenticate(noKid)).isInstanceOf(Identity.class);
    }
}
