package dev.authsidecar.net;

import dev.authsidecar.config.ServerConfig.TransportChoice;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's transport for every socket of the process: io_uring or epoll on Linux when its native library loads and
 * the kernel lets it run, NIO everywhere. Chosen once per process from {@code server.transport}; docs/transport.md
 * has the measurements behind {@code auto}'s order.
 */
public enum Transport {
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final String key;

    Transport(String key) {
        this.key = key;
    }

    /** The name in {@code server.transport} and in the start-up line. */
    public String key() {
        return key;
    }

    /**
     * What this machine can run. Each native transport is probed only when asked about (its library loaded, a ring
     * set up), so that the one {@code auto} does not need costs nothing at start-up.
     */
    interface Availability {
        /** Why {@code t} cannot run here, or {@code null} when it can. */
        Throwable unavailable(Transport t);

        boolean linux();

        static Availability here() {
            boolean linux =
                    System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
            return new Availability() {
                @Override
                public Throwable unavailable(Transport t) {
                    return switch (t) {
                        case IO_URING -> IoUring.isAvailable() ? null : cause(IoUring.unavailabilityCause());
                        case EPOLL -> Epoll.isAvailable() ? null : cause(Epoll.unavailabilityCause());
                        case NIO -> null;
                    };
                }

                @Override
                public boolean linux() {
                    return linux;
                }
            };
        }

        private static Throwable cause(Throwable t) {
            return t != null ? t : new UnsupportedOperationException("no reason given");
        }
    }

    /** The transport for {@code server.transport} on this machine. */
    public static Transport select(TransportChoice choice) throws TransportUnavailableException {
        return select(choice, Availability.here());
    }

    /**
     * A transport named in the configuration is a promise the operator made (a seccomp profile written for it, say):
     * if it cannot run, start-up stops with the reason rather than quietly running another. {@code auto} takes the
     * first that runs, in {@link #AUTO_ORDER}.
     */
    static Transport select(TransportChoice choice, Availability here) throws TransportUnavailableException {
        return switch (choice) {
            case AUTO -> auto(here);
            case IO_URING -> named(IO_URING, here);
            case EPOLL -> named(EPOLL, here);
            case NIO -> NIO;
        };
    }

    private static Transport named(Transport t, Availability here) throws TransportUnavailableException {
        Throwable why = here.unavailable(t);
        if (why == null) {
            return t;
        }
        String hint = t == IO_URING
                ? "; io_uring needs Linux 5.14 or newer, kernel.io_uring_disabled = 0 and a seccomp profile that"
                        + " allows io_uring_setup (Docker's and containerd's default profiles block it)"
                : "; epoll needs Linux and Netty's library (the image installs it in /usr/java/packages/lib)";
        throw new TransportUnavailableException("server.transport: " + t.key + " is not available here: "
                + NativeFailure.reason(why) + hint + "; use server.transport: auto to fall back");
    }

    /**
     * epoll first: in docs/transport.md's A/B runs io_uring did not beat it on this path (median 36.8 against 32.4 µs
     * of CPU per request, a longer JIT warm-up, lower throughput), and Docker's and containerd's default seccomp
     * profiles (the Deployment's RuntimeDefault) block io_uring anyway.
     */
    static final Transport[] AUTO_ORDER = {EPOLL, IO_URING};

    private static Transport auto(Availability here) {
        Throwable skipped = null;
        for (Transport t : AUTO_ORDER) {
            Throwable why = here.unavailable(t);
            if (why == null) {
                if (skipped != null) {
                    // Still a native transport, so not a warning; but the reason is worth a line (a library missing
                    // from the image, a /tmp without exec).
                    log.info(
                            "{} transport unavailable, using {}: {}",
                            AUTO_ORDER[0].key,
                            t.key,
                            NativeFailure.reason(skipped));
                }
                return t;
            }
            skipped = skipped == null ? why : skipped;
        }
        if (here.linux()) {
            // NIO on Linux works, but costs more CPU and memory per connection than the numbers in bench/RESULTS.md,
            // and usually means the image or the Pod is set up wrong (the library is missing, or Netty had to unpack
            // it to a /tmp it cannot execute from). So it is a WARN with Netty's reason, not a quiet word in the
            // start-up line. Elsewhere (a developer's Mac) NIO is expected.
            log.warn(
                    "epoll transport unavailable, falling back to NIO (more CPU and memory per connection): {}. "
                            + "The image installs Netty's library in /usr/java/packages/lib; elsewhere Netty unpacks it to "
                            + "io.netty.native.workdir (default: java.io.tmpdir), which must be writable and allow exec",
                    NativeFailure.reason(here.unavailable(EPOLL)));
        } else {
            log.debug("epoll and io_uring are Linux-only; using NIO");
        }
        return NIO;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    public Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }
}
