package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StopTest {

    @Test
    void idleStopIsPromptAndReleasesThePort() throws Exception {
        MainService service =
                MainService.start(new InetSocketAddress("127.0.0.1", 0), new PrintStream(new ByteArrayOutputStream()));
        InetSocketAddress address = service.address();

        long started = System.nanoTime();
        service.stop();
        service.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(MainService.STOP_GRACE);
        assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void inFlightWaitsForRunningExchanges() throws Exception {
        InFlight inFlight = new InFlight();
        inFlight.begin();
        inFlight.begin();

        assertThat(inFlight.awaitIdle(Duration.ofMillis(100))).isFalse();
        CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() -> {
            try {
                return inFlight.awaitIdle(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        inFlight.end(1);
        Thread.sleep(50);
        assertThat(idle).isNotDone();
        inFlight.end(1);
        assertThat(idle.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlight.active()).isZero();
    }
}
