package dev.authsidecar.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.epoll.Epoll;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TransportTest {
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

    /** What Netty reports when it had to unpack its library to a noexec /tmp: the reason is deep in the chain. */
    @Test
    void onLinuxAFallbackToNioIsAWarnThatSaysWhy() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("failed to load the required native library");
        UnsatisfiedLinkError load =
                new UnsatisfiedLinkError("could not load a native library: " + "netty_transport_native_epoll_x86_64");
        load.addSuppressed(new UnsatisfiedLinkError(
                "/tmp/libnetty_transport_native_epoll_x86_64123.so: " + "failed to map segment from shared object"));
        load.addSuppressed(new FileNotFoundException("META-INF/native/libnetty_transport_native_epoll.so"));
        cause.initCause(load);

        assertThat(Transport.choose(false, cause, true)).isEqualTo(Transport.NIO);

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
        assertThat(Transport.reason(top))
                .isEqualTo("java.lang.UnsatisfiedLinkError: failed; java.io.IOException: Read-only file system");
        assertThat(Transport.reason(null)).isEqualTo("no reason given");
    }

    @Test
    void epollIsChosenQuietlyWhenItLoads() {
        assertThat(Transport.choose(true, null, true)).isEqualTo(Transport.EPOLL);
        assertThat(logs.list).isEmpty();
    }

    @Test
    void elsewhereNioIsExpectedAndNoWarning() {
        assertThat(Transport.choose(false, new UnsupportedOperationException("Linux only"), false))
                .isEqualTo(Transport.NIO);
        assertThat(logs.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }

    /** On the Linux machines the tests run on (CI included), the library in the jar loads. */
    @Test
    void hereEpollLoadsFromTheJar() {
        if (System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            assertThat(Epoll.unavailabilityCause()).isNull();
            assertThat(Transport.best()).isEqualTo(Transport.EPOLL);
            assertThat(logs.list).isEmpty();
        }
    }
}
