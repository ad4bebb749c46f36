package dev.authsidecar.forward;

import static dev.authsidecar.forward.ExchangeState.AWAITING_RESPONSE;
import static dev.authsidecar.forward.ExchangeState.CONNECTING;
import static dev.authsidecar.forward.ExchangeState.DONE;
import static dev.authsidecar.forward.ExchangeState.RESPONDING;
import static dev.authsidecar.forward.ExchangeState.RESPONDING_EARLY;
import static dev.authsidecar.forward.ExchangeState.SENDING;
import static dev.authsidecar.forward.ExchangeState.SWITCHING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The exchange's state machine as a table: every move it allows, and that every other move is refused. */
class ExchangeStateTest {
    private static final Map<ExchangeState, Set<ExchangeState>> LEGAL = Map.of(
            CONNECTING, EnumSet.of(SENDING, DONE),
            SENDING, EnumSet.of(AWAITING_RESPONSE, RESPONDING_EARLY, SWITCHING, DONE),
            AWAITING_RESPONSE, EnumSet.of(RESPONDING, SWITCHING, CONNECTING, DONE),
            RESPONDING_EARLY, EnumSet.of(RESPONDING, DONE),
            RESPONDING, EnumSet.of(DONE),
            SWITCHING, EnumSet.of(DONE),
            DONE, EnumSet.noneOf(ExchangeState.class));

    @ParameterizedTest
    @EnumSource(ExchangeState.class)
    void eachStateMovesExactlyWhereTheTableSays(ExchangeState from) {
        for (ExchangeState to : ExchangeState.values()) {
            assertThat(from.canMoveTo(to))
                    .as(from + " -> " + to)
                    .isEqualTo(LEGAL.get(from).contains(to));
        }
    }

    @Test
    void theResponseHasStartedOnlyWhileItIsRelayedOrSwitching() {
        assertThat(EnumSet.allOf(ExchangeState.class).stream().filter(ExchangeState::responseStarted))
                .containsExactlyInAnyOrder(RESPONDING_EARLY, RESPONDING, SWITCHING);
    }

    @Test
    void theBodyIsStillGoingUpOnlyBeforeTheRequestEnds() {
        assertThat(EnumSet.allOf(ExchangeState.class).stream().filter(ExchangeState::sendingBody))
                .containsExactlyInAnyOrder(SENDING, RESPONDING_EARLY);
    }

    @Test
    void everyStateButDoneCanEndAtOnce() {
        for (ExchangeState s : ExchangeState.values()) {
            assertThat(s.canMoveTo(DONE)).as(s.name()).isEqualTo(s != DONE);
        }
    }
}
