package dev.authsidecar.authenticate.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import dev.authsidecar.testing.Tokens;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Outcome and timing helpers for the JWT tests. Keys and tokens come from {@link Tokens}, the one minter; this
 * class extends it only so that these tests keep calling {@code Jwts.rsa(…)}, {@code Jwts.token(…)} and so on.
 */
final class Jwts extends Tokens {
    static final ObjectMapper JSON = new ObjectMapper();

    private Jwts() {}

    static ScheduledExecutorService executor() {
        return Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "jwt-keys-test");
            t.setDaemon(true);
            return t;
        });
    }

    /** The final outcome: a Pending one is waited for (bounded), the others are returned as they are. */
    static AuthOutcome resolve(AuthOutcome outcome) {
        if (outcome instanceof AuthOutcome.Pending p) {
            try {
                AuthOutcome done = p.result().get(10, TimeUnit.SECONDS);
                assertThat(done).isNotInstanceOf(AuthOutcome.Pending.class);
                return done;
            } catch (Exception e) {
                throw new AssertionError("pending outcome did not complete normally", e);
            }
        }
        return outcome;
    }

    /** A refused credential, or for {@link Failure#AUTH_BACKEND_UNAVAILABLE} keys that could not be obtained. */
    static void assertRejected(AuthOutcome outcome, Failure failure) {
        assertThat(outcome)
                .isInstanceOf(
                        failure == Failure.AUTH_BACKEND_UNAVAILABLE
                                ? AuthOutcome.Unavailable.class
                                : AuthOutcome.Rejected.class);
        assertThat(((Refusal) outcome).failure()).isEqualTo(failure);
    }

    /** Waits until the condition holds, failing after the timeout. */
    static void eventually(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
