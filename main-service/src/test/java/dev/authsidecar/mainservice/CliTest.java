package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

    @Test
    void defaultsToLoopback8080() throws Exception {
        Cli.Options options = Cli.parse(List.of(), null);

        assertThat(options.help()).isFalse();
        assertThat(options.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
    }

    @Test
    void grpcDefaultsToLoopback9090AndCanBeMovedOrTurnedOff() throws Exception {
        assertThat(Cli.parse(List.of(), null).grpcListen()).isEqualTo(new InetSocketAddress("127.0.0.1", 9090));
        assertThat(Cli.parse(List.of("--grpc-listen", "127.0.0.1:0"), null, "127.0.0.1:9191")
                        .grpcListen()
                        .getPort())
                .isZero();
        assertThat(Cli.parse(List.of("--grpc-listen=127.0.0.1:9192"), null, null)
                        .grpcListen()
                        .getPort())
                .isEqualTo(9192);
        assertThat(Cli.parse(List.of(), null, "127.0.0.1:9191").grpcListen().getPort())
                .isEqualTo(9191);
        assertThat(Cli.parse(List.of(), null, " ").grpcListen().getPort()).isEqualTo(9090);
        assertThat(Cli.parse(List.of("--grpc-listen", "off"), null, "127.0.0.1:9191")
                        .grpcListen())
                .isNull();
        assertThat(Cli.parse(List.of(), null, "off").grpcListen()).isNull();
        assertThatThrownBy(() -> Cli.parse(List.of("--grpc-listen", "9090"), null, null))
                .isInstanceOf(Cli.UsageException.class)
                .hasMessageStartingWith("invalid --grpc-listen value '9090': ");
        assertThatThrownBy(() -> Cli.parse(List.of(), null, "x"))
                .isInstanceOf(Cli.UsageException.class)
                .hasMessageStartingWith("invalid GRPC_LISTEN_ADDR value 'x': ");
        assertThatThrownBy(() -> Cli.parse(List.of("--grpc-listen"), null, null))
                .isInstanceOf(Cli.UsageException.class)
                .hasMessage("--grpc-listen requires a value HOST:PORT");
    }

    @Test
    void flagBeatsEnvironment() throws Exception {
        assertThat(Cli.parse(List.of("--listen", "127.0.0.1:9000"), "127.0.0.1:9001")
                        .listen()
                        .getPort())
                .isEqualTo(9000);
        assertThat(Cli.parse(List.of("--listen=127.0.0.1:9002"), "127.0.0.1:9001")
                        .listen()
                        .getPort())
                .isEqualTo(9002);
    }

    @Test
    void environmentIsUsedWithoutFlag() throws Exception {
        assertThat(Cli.parse(List.of(), "127.0.0.1:9001").listen().getPort()).isEqualTo(9001);
        assertThat(Cli.parse(List.of(), "  ").listen().getPort()).isEqualTo(8080);
    }

    @Test
    void acceptsPortZeroAndBracketedIpv6() throws Exception {
        assertThat(Cli.parseHostPort("127.0.0.1:0", "test").getPort()).isZero();
        assertThat(Cli.parseHostPort("[::1]:8080", "test").getAddress().getHostAddress())
                .isEqualTo("0:0:0:0:0:0:0:1");
    }

    @Test
    void helpWins() throws Exception {
        assertThat(Cli.parse(List.of("--listen", "garbage", "--help"), null).help())
                .isTrue();
        assertThat(Cli.parse(List.of("-h"), null).help()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "8080",
                "127.0.0.1",
                "127.0.0.1:",
                ":8080",
                "127.0.0.1:http",
                "127.0.0.1:65536",
                "127.0.0.1:-1",
                "::1:8080",
                "no-such-host.invalid:8080"
            })
    void rejectsBadListenValues(String value) {
        assertThatThrownBy(() -> Cli.parse(List.of("--listen", value), null))
                .isInstanceOf(Cli.UsageException.class)
                .hasMessageStartingWith("invalid --listen value '" + value + "': ");
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        assertThatThrownBy(() -> Cli.parse(List.of(), "localhost"))
                .isInstanceOf(Cli.UsageException.class)
                .hasMessageStartingWith("invalid LISTEN_ADDR value 'localhost'");
    }

    @Test
    void rejectsMissingValueAndUnknownArguments() {
        assertThatThrownBy(() -> Cli.parse(List.of("--listen"), null))
                .hasMessage("--listen requires a value HOST:PORT");
        assertThatThrownBy(() -> Cli.parse(List.of("--port", "1"), null)).hasMessage("unknown argument '--port'");
    }

    @Test
    void usageErrorPrintsOneLineAndExitsWith2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = MainService.reportUsageError(
                new Cli.UsageException("invalid --listen value 'x': expected HOST:PORT"),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("main-service: invalid --listen value 'x': expected HOST:PORT (see --help)");
    }
}
