package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** main-service's gRPC port, called with the client in its own jar ({@link GrpcCall}) over a real socket. */
class GrpcEndpointTest {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private MainService service;
    private String target;

    @BeforeEach
    void start() throws Exception {
        service = MainService.start(
                new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 0),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        target = MainService.hostPort(service.grpcAddress());
    }

    @AfterEach
    void stop() {
        service.stop();
    }

    private record Result(int exit, String out, String err) {}

    private static Result call(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = GrpcCall.run(
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void healthServesTheWholeServerAndTheEchoService() {
        assertThat(call("--target", target, "health")).isEqualTo(new Result(0, "SERVING\n", ""));
        assertThat(call("--target", target, "health", "demo.Echo")).isEqualTo(new Result(0, "SERVING\n", ""));
        Result unknown = call("--target", target, "health", "no.Such");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).startsWith("NOT_FOUND");
    }

    @Test
    void sayIsUnaryAndRepeatStreams() {
        assertThat(call("--target", target, "say", "héllo, gRPC")).isEqualTo(new Result(0, "héllo, gRPC\n", ""));
        assertThat(call("--target", target, "repeat", "x")).isEqualTo(new Result(0, "1/3 x\n2/3 x\n3/3 x\n", ""));
    }

    @Test
    void eachCallIsLoggedWithTheCallersSubject() throws Exception {
        call("--target", target, "say", "hi");
        String lines = log.toString(StandardCharsets.UTF_8);
        assertThat(lines)
                .containsPattern(
                        "(?m)^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z grpc /demo.Echo/Say OK [\\d.]+ms " + "subject=-$");
    }

    @Test
    void theHttpPortStillServesAlongside() throws Exception {
        try (Socket s =
                new Socket(service.address().getAddress(), service.address().getPort())) {
            s.getOutputStream()
                    .write("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .startsWith("HTTP/1.1 200")
                    .contains("pong");
        }
    }

    @Test
    void stopReleasesTheGrpcPortPromptly() {
        InetSocketAddress grpc = service.grpcAddress();
        long started = System.nanoTime();
        service.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(MainService.STOP_GRACE);
        assertThatThrownBy(() -> new Socket(grpc.getAddress(), grpc.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void aTakenGrpcPortIsAnErrorNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            assertThatThrownBy(() -> MainService.start(
                            new InetSocketAddress("127.0.0.1", 0),
                            address,
                            new PrintStream(new ByteArrayOutputStream())))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot serve gRPC on 127.0.0.1:" + taken.getLocalPort() + ": ");
        }
    }

    @Test
    void usageErrorsExit2() {
        assertThat(call().exit()).isEqualTo(2);
        assertThat(call("say").exit()).isEqualTo(2);
        assertThat(call("dance").err()).startsWith("grpc-call: expected health [SERVICE], say TEXT or repeat TEXT");
        assertThat(call("--token").exit()).isEqualTo(2);
        assertThat(call("--help").out()).startsWith("Usage: java -cp main-service.jar");
    }
}
