package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StopTest {

    @Test
    void idleStopIsPromptAndReleasesThePort() throws Exception {
        MainService service = MainService.start(new InetSocketAddress("127.0.0.1", 0),
                new PrintStream(new ByteArrayOutputStream()));
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
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        InFlight inFlight = new InFlight();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            entered.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        }).getFilters().add(inFlight);
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            CompletableFuture<HttpResponse<Void>> response = HttpClient.newHttpClient()
                    .sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(inFlight.awaitIdle(Duration.ofMillis(100))).isFalse();
            release.countDown();
            assertThat(inFlight.awaitIdle(Duration.ofSeconds(5))).isTrue();
            assertThat(response.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
