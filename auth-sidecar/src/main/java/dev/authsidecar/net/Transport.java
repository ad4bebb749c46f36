package dev.authsidecar.net;

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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** epoll on Linux when its native library loads, NIO everywhere else. Chosen once per process. */
public enum Transport {
    EPOLL,
    NIO;

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    public static Transport best() {
        return choose(
                Epoll.isAvailable(),
                Epoll.unavailabilityCause(),
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"));
    }

    /**
     * NIO on Linux works, but costs more CPU and memory per connection than the numbers in bench/RESULTS.md, and
     * usually means the image or the Pod is set up wrong (the library is missing, or Netty had to unpack it to a
     * /tmp it cannot execute from). So it is a WARN with Netty's reason, not a quiet word in the start-up line.
     * Elsewhere (a developer's Mac) epoll cannot exist and NIO is expected.
     */
    static Transport choose(boolean epollAvailable, Throwable unavailabilityCause, boolean linux) {
        if (epollAvailable) {
            return EPOLL;
        }
        if (linux) {
            log.warn(
                    "epoll transport unavailable, falling back to NIO (more CPU and memory per connection): {}. "
                            + "The image installs Netty's library in /usr/java/packages/lib; elsewhere Netty unpacks it to "
                            + "io.netty.native.workdir (default: java.io.tmpdir), which must be writable and allow exec",
                    reason(unavailabilityCause));
        } else {
            log.debug("epoll is Linux-only; using NIO");
        }
        return NIO;
    }

    /**
     * Netty's cause is a generic "failed to load" error whose cause and suppressed exceptions say why (file not
     * found, "failed to map segment" on a noexec mount...). One line with all of them, each once: the log format
     * is one line per event.
     */
    static String reason(Throwable cause) {
        if (cause == null) {
            return "no reason given";
        }
        List<String> parts = new ArrayList<>();
        collect(cause, parts, Collections.newSetFromMap(new IdentityHashMap<>()));
        return String.join("; ", parts);
    }

    private static void collect(Throwable t, List<String> parts, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        String text = t.getClass().getName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage().strip());
        if (!parts.contains(text)) {
            parts.add(text);
        }
        collect(t.getCause(), parts, seen);
        for (Throwable s : t.getSuppressed()) {
            collect(s, parts, seen);
        }
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
