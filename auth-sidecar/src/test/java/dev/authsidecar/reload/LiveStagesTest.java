package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.testing.ApiKeysOnly;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class LiveStagesTest {
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static Stages stages(Authentication auth) {
        return new Stages(auth, null, null, null, 1000, true);
    }

    private static Authentication auth() {
        return ApiKeysOnly.authentication(ApiKeysOnly.auth(List.of(), List.of(), false));
    }

    @Test
    void aReplacedAuthenticationLivesOnForTheGracePeriodOnly() throws Exception {
        Authentication first = auth();
        LiveStages live = new LiveStages(stages(first), executor, new ConfigReloads());
        Stages next = stages(auth());

        live.replace(next, Duration.ofMillis(200));

        assertThat(live.get()).isSameAs(next);
        assertThat(live.retiredCount()).isEqualTo(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (live.retiredCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(live.retiredCount()).isZero();
    }

    @Test
    void keepingTheSameAuthenticationRetiresNothing() {
        Authentication auth = auth();
        LiveStages live = new LiveStages(stages(auth), executor, new ConfigReloads());

        live.replace(stages(auth), Duration.ofMillis(1));

        assertThat(live.retiredCount()).isZero();
    }

    @Test
    void closingClosesWhatIsStillInItsGracePeriod() {
        LiveStages live = new LiveStages(stages(auth()), executor, new ConfigReloads());
        live.replace(stages(auth()), Duration.ofHours(1));

        live.close();

        assertThat(live.retiredCount()).isZero();
    }
}
