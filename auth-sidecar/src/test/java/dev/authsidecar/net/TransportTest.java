package dev.authsidecar.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.authsidecar.config.ServerConfig.TransportChoice;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TransportTest {
    private static final Throwable SECCOMP = new RuntimeException(
            "failed to create io_uring ring fd",
            new IOException("io_uring_setup(...) failed: Operation not permitted"));

    private final Logger logger = (Logger) LoggerFactory.getLogger(Transport.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void capture() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logs);
    }

    /** A machine where each native transport either runs or fails with the given reason. */
    private static Transport.Availability machine(Throwable ioUring, Throwable epoll, boolean linux) {
        return new Transport.Availability() {
            @Override
            public Throwable unavailable(Transport t) {
                return switch (t) {
                    case IO_URING -> ioUring;
                    case EPOLL -> epoll;
                    case NIO -> null;
                };
            }

            @Override
            public boolean linux() {
                return linux;
            }
        };
    }

    /** What Netty reports when it had to unpack its library to a noexec /tmp: the reason is deep in the chain. */
    @Test
    void onLinuxAFallbackToNioIsAWarnThatSaysWhy() throws Exception {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("failed to load the required native library");
        UnsatisfiedLinkError load =
                new UnsatisfiedLinkError("could not load a native library: " + "netty_transport_native_epoll_x86_64");
        load.addSuppressed(new UnsatisfiedLinkError(
                "/tmp/libnetty_transport_native_epoll_x86_64123.so: " + "failed to map segment from shared object"));
        load.addSuppressed(new FileNotFoundException("META-INF/native/libnetty_transport_native_epoll.so"));
        cause.initCause(load);

        assertThat(Transport.select(TransportChoice.AUTO, machine(SECCOMP, cause, true)))
                .isEqualTo(Transport.NIO);

        assertThat(logs.list).hasSize(1);
        ILoggingEvent warn = logs.list.get(0);
        assertThat(warn.getLevel()).isEqualTo(Level.WARN);
        assertThat(warn.getFormattedMessage())
                .contains("falling back to NIO")
                .contains("failed to load the required native library")
                .contains("failed to map segment from shared object")
                .contains("libnetty_transport_native_epoll.so")
                .contains("io.netty.native.workdir")
                .doesNotContain("\n");
    }

    @Test
    void theReasonNamesEachCauseOnceEvenWhenTheChainRepeatsOrLoops() {
        IOException root = new IOException("Read-only file system");
        UnsatisfiedLinkError top = new UnsatisfiedLinkError("failed");
        top.initCause(root);
        top.addSuppressed(root);
        assertThat(NativeFailure.reason(top))
                .isEqualTo("java.lang.UnsatisfiedLinkError: failed; java.io.IOException: Read-only file system");
        assertThat(NativeFailure.reason(null)).isEqualTo("no reason given");
    }

    @Test
    void autoTakesTheFirstOfItsOrderQuietlyWhenBothLoad() throws Exception {
        assertThat(Transport.select(TransportChoice.AUTO, machine(null, null, true)))
                .isEqualTo(Transport.AUTO_ORDER[0]);
        assertThat(logs.list).isEmpty();
    }

    /** Docker's default seccomp profile, say: the second of auto's order, with an INFO line that says why. */
    @Test
    void autoFallsBackToTheOtherNativeTransportWithAnInfoLine() throws Exception {
        Transport first = Transport.AUTO_ORDER[0];
        Transport second = Transport.AUTO_ORDER[1];
        Transport.Availability firstFails = first == Transport.IO_URING
                ? machine(SECCOMP, null, true)
                : machine(null, new UnsatisfiedLinkError("no epoll library"), true);

        assertThat(Transport.select(TransportChoice.AUTO, firstFails)).isEqualTo(second);

        assertThat(logs.list).hasSize(1);
        assertThat(logs.list.get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(logs.list.get(0).getFormattedMessage())
                .startsWith(first.key() + " transport unavailable, using " + second.key() + ": ")
                .contains(first == Transport.IO_URING ? "Operation not permitted" : "no epoll library");
    }

    @Test
    void elsewhereNioIsExpectedAndNoWarning() throws Exception {
        UnsupportedOperationException linuxOnly = new UnsupportedOperationException("Linux only");
        assertThat(Transport.select(TransportChoice.AUTO, machine(linuxOnly, linuxOnly, false)))
                .isEqualTo(Transport.NIO);
        assertThat(logs.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }

    @Test
    void aNamedTransportIsTakenWhenItLoads() throws Exception {
        Transport.Availability all = machine(null, null, true);
        assertThat(Transport.select(TransportChoice.IO_URING, all)).isEqualTo(Transport.IO_URING);
        assertThat(Transport.select(TransportChoice.EPOLL, all)).isEqualTo(Transport.EPOLL);
        assertThat(Transport.select(TransportChoice.NIO, all)).isEqualTo(Transport.NIO);
        assertThat(logs.list).isEmpty();
    }

    /** Asked for by name, a transport that cannot run stops start-up: no quiet fallback to another. */
    @Test
    void aNamedTransportThatCannotRunIsAnErrorWithTheReasonAndWhatToDo() {
        assertThatThrownBy(() -> Transport.select(TransportChoice.IO_URING, machine(SECCOMP, null, true)))
                .isInstanceOf(TransportUnavailableException.class)
                .hasMessageStartingWith("server.transport: io_uring is not available here: ")
                .hasMessageContaining("io_uring_setup(...) failed: Operation not permitted")
                .hasMessageContaining("seccomp")
                .hasMessageContaining("io_uring_disabled")
                .hasMessageEndingWith("use server.transport: auto to fall back");
        assertThatThrownBy(() -> Transport.select(
                        TransportChoice.EPOLL, machine(null, new UnsatisfiedLinkError("no epoll library"), true)))
                .isInstanceOf(TransportUnavailableException.class)
                .hasMessageStartingWith("server.transport: epoll is not available here: ")
                .hasMessageContaining("java.lang.UnsatisfiedLinkError: no epoll library");
    }

    /** On the Linux machines the tests run on (CI included), both libraries in the jar load and the kernel runs both. */
    @Test
    void hereBothNativeTransportsLoadFromTheJar() throws Exception {
        if (System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            assertThat(Epoll.unavailabilityCause()).isNull();
            assertThat(IoUring.unavailabilityCause()).isNull();
            assertThat(Transport.select(TransportChoice.AUTO)).isEqualTo(Transport.AUTO_ORDER[0]);
            assertThat(Transport.select(TransportChoice.IO_URING)).isEqualTo(Transport.IO_URING);
            assertThat(logs.list).isEmpty();
        }
    }
}
