package dev.authsidecar.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.authsidecar.Sidecar;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * {@code server.transport} on real sockets: the sidecar started with each transport this machine (Linux, like CI)
 * runs, a request through it to a real upstream, and the kernel's view of the process showing the transport's own
 * file descriptors: an io_uring instance per event loop for io_uring, a timerfd per event loop for Netty's epoll
 * (the JDK's selector, under NIO, uses epoll too, but no timerfd).
 */
@Timeout(30)
class TransportsTest {
    private static final String IO_URING_FD = "anon_inode:[io_uring]";
    private static final String NETTY_EPOLL_FD = "anon_inode:[timerfd]";

    @RegisterExtension
    static final TestUpstream upstream = TestUpstream.forClass();

    @ParameterizedTest(name = "server.transport: {0}")
    @CsvSource({"io_uring, io_uring", "epoll, epoll", "nio, nio", "auto, epoll"})
    void aRequestGoesThroughTheConfiguredTransport(String configured, String expected) throws Exception {
        long uringBefore = openFds(IO_URING_FD);
        long epollBefore = openFds(NETTY_EPOLL_FD);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(Sidecar.class);
        logger.addAppender(log);
        RunningSidecar sidecar;
        try {
            sidecar = RunningSidecar.start(
                    upstream.url(),
                    "server:\n  listen: 127.0.0.1:0\n  ioThreads: 2\n  transport: " + configured + "\n");
        } finally {
            logger.detachAppender(log);
        }
        try {
            assertThat(log.list)
                    .map(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m ->
                            m.startsWith("auth-sidecar listening on") && m.contains(", " + expected + " transport,"));
            long uring = openFds(IO_URING_FD) - uringBefore;
            long epoll = openFds(NETTY_EPOLL_FD) - epollBefore;
            switch (expected) {
                // two proxy event loops and the admin one: a ring each
                case "io_uring" -> assertThat(uring).as("io_uring instances").isGreaterThanOrEqualTo(3);
                case "epoll" -> assertThat(epoll).as("Netty epoll timerfds").isGreaterThanOrEqualTo(3);
                default -> {
                    assertThat(uring).as("io_uring instances").isZero();
                    assertThat(epoll).as("Netty epoll timerfds").isZero();
                }
            }
            if (!expected.equals("io_uring")) {
                assertThat(uring).as("io_uring instances").isZero();
            }

            HttpResponse<String> r = sidecar.get("/echo", "Authorization", "Bearer " + RunningSidecar.KEY);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"x-auth-subject\":[\"alice\"]");
            assertThat(sidecar.get("/echo").statusCode()).isEqualTo(401);
        } finally {
            sidecar.close();
        }
    }

    /** File descriptors of this process that are {@code kind}, as /proc/self/fd shows them. */
    private static long openFds(String kind) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().equals(kind);
                        } catch (IOException e) {
                            return false; // closed since the listing
                        }
                    })
                    .count();
        }
    }
}
