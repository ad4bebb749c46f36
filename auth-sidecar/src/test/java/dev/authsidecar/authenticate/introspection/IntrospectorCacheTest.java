package dev.authsidecar.authenticate.introspection;

import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.await;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.failure;
import static dev.authsidecar.authenticate.introspection.IntrospectionFixture.identity;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.active;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.heldUntil;
import static dev.authsidecar.authenticate.introspection.Rfc7662Server.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How often the endpoint is asked: verdicts are remembered as long as they hold, failures never. */
class IntrospectorCacheTest {
    @RegisterExtension
    final IntrospectionFixture f = new IntrospectionFixture();

    @Test
    void activeVerdictIsServedFromCacheWithoutAnotherCall() throws Exception {
        f.server.answer("token", active(Map.of("sub", "alice", "exp", f.time.epochSecond() + 600)));
        Introspector introspector = f.introspector();

        Identity first = identity(introspector.authenticate("token"));
        f.time.advance(Duration.ofSeconds(30));
        AuthOutcome second = introspector.authenticate("token");

        assertThat(second).isSameAs(first);
        assertThat(f.server.requests()).isEqualTo(1);
    }

    @Test
    void activeVerdictIsNotServedPastTheTokensExp() throws Exception {
        f.server.answer("token", active(Map.of("sub", "alice", "exp", f.time.epochSecond() + 60)));
        Introspector introspector = f.introspector();
        Identity first = identity(introspector.authenticate("token"));

        f.time.advance(Duration.ofSeconds(59));
        assertThat(introspector.authenticate("token")).isSameAs(first);

        f.time.advance(Duration.ofSeconds(1));
        f.server.answer("token", json(200, Map.of("active", false)));
        assertThat(failure(introspector.authenticate("token"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void everyHitRechecksExpAgainstTheWallClock() throws Exception {
        f.server.answer("token", active(Map.of("sub", "alice", "exp", f.time.epochSecond() + 60)));
        Introspector introspector = f.introspector();
        identity(introspector.authenticate("token"));

        f.time.stepWallClock(Duration.ofSeconds(61));
        f.server.answer("token", json(200, Map.of("active", false)));

        assertThat(failure(introspector.authenticate("token"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void activeVerdictIsNotServedPastTheCacheTtl() throws Exception {
        f.server.answer("token", active(Map.of("sub", "alice", "exp", f.time.epochSecond() + 3600)));
        Introspector introspector = f.introspector();
        identity(introspector.authenticate("token"));

        f.time.advance(IntrospectionFixture.CACHE_TTL.minusSeconds(1));
        assertThat(introspector.authenticate("token")).isInstanceOf(Identity.class);
        assertThat(f.server.requests()).isEqualTo(1);

        f.time.advance(Duration.ofSeconds(1));
        AuthOutcome again = introspector.authenticate("token");
        assertThat(again).isInstanceOf(AuthOutcome.Pending.class);
        assertThat(identity(again).subject()).isEqualTo("alice");
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void inactiveVerdictIsRememberedForTheNegativeCacheTtl() throws Exception {
        Introspector introspector = f.introspector();

        assertThat(failure(introspector.authenticate("random-garbage"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        f.time.advance(IntrospectionFixture.NEGATIVE_CACHE_TTL.minusSeconds(1));
        AuthOutcome repeated = introspector.authenticate("random-garbage");
        assertThat(repeated).isInstanceOf(AuthOutcome.Rejected.class);
        assertThat(f.server.requests()).isEqualTo(1);

        f.time.advance(Duration.ofSeconds(1));
        assertThat(failure(introspector.authenticate("random-garbage"))).isEqualTo(Failure.CREDENTIAL_INVALID);
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void failuresAreNotRemembered() throws Exception {
        f.server.answer("token", json(500, Map.of("error", "temporarily_unavailable")));
        Introspector introspector = f.introspector();
        assertThat(failure(introspector.authenticate("token"))).isEqualTo(Failure.AUTH_BACKEND_UNAVAILABLE);

        f.server.answer("token", active(Map.of("sub", "alice")));
        assertThat(identity(introspector.authenticate("token")).subject()).isEqualTo("alice");
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void tokensAreRememberedSeparately() throws Exception {
        f.server.answer("alice-token", active(Map.of("sub", "alice")));
        f.server.answer("bob-token", active(Map.of("sub", "bob")));
        Introspector introspector = f.introspector();

        assertThat(identity(introspector.authenticate("alice-token")).subject()).isEqualTo("alice");
        assertThat(identity(introspector.authenticate("bob-token")).subject()).isEqualTo("bob");
        assertThat(identity(introspector.authenticate("alice-token")).subject()).isEqualTo("alice");
        assertThat(f.server.requests()).isEqualTo(2);
    }

    @Test
    void zeroTtlsTurnCachingOff() throws Exception {
        IntrospectionConfig c = f.config();
        Introspector introspector = f.introspector(new IntrospectionConfig(
                c.endpoint(),
                c.clientId(),
                c.clientSecretFile(),
                Duration.ZERO,
                Duration.ZERO,
                c.timeout(),
                c.maxResponseBytes(),
                null,
                List.of()));
        f.server.answer("token", active(Map.of("sub", "alice")));

        Identity identity = identity(introspector.authenticate("token"));
        identity(introspector.authenticate("token"));
        failure(introspector.authenticate("inactive"));
        failure(introspector.authenticate("inactive"));

        assertThat(identity.isExpired(f.time.epochSecond())).isFalse();
        assertThat(f.server.requests()).isEqualTo(4);
    }

    @Test
    void concurrentCallsForOneTokenShareOneRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        f.server.answer("token", heldUntil(release, active(Map.of("sub", "alice"))));
        Introspector introspector = f.introspector();
        int callers = 16;
        CyclicBarrier together = new CyclicBarrier(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<AuthOutcome>> calls = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                calls.add(pool.submit(() -> {
                    together.await(5, TimeUnit.SECONDS);
                    return introspector.authenticate("token");
                }));
            }
            List<AuthOutcome> outcomes = new ArrayList<>();
            for (Future<AuthOutcome> call : calls) {
                outcomes.add(call.get(5, TimeUnit.SECONDS));
            }
            assertThat(outcomes).allMatch(o -> o instanceof AuthOutcome.Pending);
            release.countDown();

            List<AuthOutcome> results = new ArrayList<>();
            for (AuthOutcome outcome : outcomes) {
                results.add(await(outcome));
            }
            assertThat(results).allMatch(r -> r == results.get(0)).first().isInstanceOf(Identity.class);
            assertThat(f.server.requests()).isEqualTo(1);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void oneCallerGivingUpDoesNotEndTheWaitOfTheOthers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        f.server.answer("token", heldUntil(release, active(Map.of("sub", "alice"))));
        Introspector introspector = f.introspector();

        AuthOutcome.Pending impatient = (AuthOutcome.Pending) introspector.authenticate("token");
        AuthOutcome.Pending patient = (AuthOutcome.Pending) introspector.authenticate("token");
        impatient.result().cancel(true);
        release.countDown();

        assertThat(identity(patient).subject()).isEqualTo("alice");
        assertThat(f.server.requests()).isEqualTo(1);
    }

    @Test
    void closingAnswersParkedCallsAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        f.server.answer("token", heldUntil(release, active(Map.of("sub", "alice"))));
        Introspector introspector = f.introspector();
        try {
            AuthOutcome.Pending parked = (AuthOutcome.Pending) introspector.authenticate("token");

            introspector.close();

            assertThat(parked.result().get(1, TimeUnit.SECONDS)).isEqualTo(Introspector.UNAVAILABLE);
            assertThat(introspector.authenticate("other")).isEqualTo(Introspector.UNAVAILABLE);
        } finally {
            release.countDown();
        }
    }
}
