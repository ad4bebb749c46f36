package dev.authsidecar.mainservice;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Entry point and lifecycle: a running instance is the handle returned by {@link #start}. HTTP/1.1 on Netty, so
 * that a connection can be upgraded to a WebSocket ({@code /ws/echo}) and a response can stream
 * ({@code /events}); the JDK's HTTP server can do neither.
 */
public final class MainService implements AutoCloseable {

    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILURE = 1;

    /** Upper bound for in-flight exchanges to finish once a stop is requested. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);

    /** Largest request (head and body) accepted; the endpoints take no body, so this only bounds abuse. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** Fired at every connection when a stop begins: event streams end, WebSockets get close code 1001. */
    static final Object STOPPING = new Object() {
        @Override
        public String toString() {
            return "STOPPING";
        }
    };

    private final EventLoopGroup group;
    private final Channel listener;
    private final ChannelGroup connections;
    private final InFlight inFlight;
    private final AtomicBoolean stopping;
    private final InetSocketAddress address;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** The gRPC port, or {@code null} when it is off. */
    private final GrpcEndpoint grpc;

    private MainService(
            EventLoopGroup group,
            Channel listener,
            ChannelGroup connections,
            InFlight inFlight,
            AtomicBoolean stopping,
            GrpcEndpoint grpc) {
        this.grpc = grpc;
        this.group = group;
        this.listener = listener;
        this.connections = connections;
        this.inFlight = inFlight;
        this.stopping = stopping;
        // Captured now: once the listener is closed its address is gone.
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /** HTTP only, no gRPC port. */
    public static MainService start(InetSocketAddress listen) throws IOException {
        return start(listen, null, System.out);
    }

    /** HTTP only, no gRPC port. */
    static MainService start(InetSocketAddress listen, PrintStream accessLog) throws IOException {
        return start(listen, null, accessLog);
    }

    /** @param grpcListen where to serve gRPC ({@link GrpcEndpoint}), or {@code null} for no gRPC port */
    static MainService start(InetSocketAddress listen, InetSocketAddress grpcListen, PrintStream accessLog)
            throws IOException {
        // Daemon threads, so that a stuck connection can never keep the JVM alive after stop().
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                0, new DefaultThreadFactory("main-service-io", true), NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
        InFlight inFlight = new InFlight();
        AtomicBoolean stopping = new AtomicBoolean();
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new HttpServerCodec());
                        // Answers 413 itself and handles Expect: 100-continue.
                        p.addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES));
                        p.addLast(inFlight.tracker());
                        p.addLast(new RequestLog(accessLog));
                        p.addLast(new Routes(stopping::get));
                        p.addLast(WebSocketEcho.protocolHandler());
                        p.addLast(new WebSocketEcho());
                    }
                })
                .bind(listen)
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            Throwable cause = bound.cause();
            throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
        }
        GrpcEndpoint grpc = null;
        if (grpcListen != null) {
            try {
                grpc = GrpcEndpoint.start(grpcListen, accessLog);
            } catch (IOException | RuntimeException e) {
                bound.channel().close().awaitUninterruptibly();
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                throw new GrpcListenException(hostPort(grpcListen), e);
            }
        }
        return new MainService(group, bound.channel(), connections, inFlight, stopping, grpc);
    }

    /** The actually bound address (relevant when listening on port 0). */
    public InetSocketAddress address() {
        return address;
    }

    /** The bound gRPC address, or {@code null} when the gRPC port is off. */
    public InetSocketAddress grpcAddress() {
        return grpc == null ? null : grpc.address();
    }

    /** The gRPC port could not be opened; says which address, since there are two. */
    static final class GrpcListenException extends IOException {
        GrpcListenException(String address, Throwable cause) {
            super(
                    "cannot serve gRPC on " + address + ": "
                            + (cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage()),
                    cause);
        }
    }

    /** Host and port as printed in the startup line, e.g. {@code 127.0.0.1:8080} or {@code [::1]:8080}. */
    public String hostPort() {
        return hostPort(address);
    }

    static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            host = "[" + host + "]";
        }
        return host + ":" + address.getPort();
    }

    /** Exchanges being answered now (not counting event streams and WebSockets, which a stop ends). */
    int inFlight() {
        return inFlight.active();
    }

    /**
     * Ends event streams and WebSockets (close code 1001), lets in-flight exchanges finish (at most
     * {@link #STOP_GRACE}), then closes the listener and all connections. The listener stays open while
     * draining; acceptable because the drain is short and, behind the sidecar, traffic has normally stopped by
     * the time we are told to stop. Idempotent.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        stopping.set(true);
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(STOPPING);
        }
        try {
            inFlight.awaitIdle(STOP_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (grpc != null) {
            // In parallel with the HTTP drain above would be faster, but both are bounded and a stop is rare.
            grpc.stop(STOP_GRACE);
        }
        listener.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(STOP_GRACE.toMillis());
    }

    @Override
    public void close() {
        stop();
    }

    public static void main(String[] args) {
        GrpcEndpoint.preferNio();
        Cli.Options options;
        try {
            options = Cli.parse(List.of(args), System.getenv(Cli.LISTEN_ENV), System.getenv(Cli.GRPC_LISTEN_ENV));
        } catch (Cli.UsageException e) {
            System.exit(reportUsageError(e, System.err));
            return;
        }
        if (options.help()) {
            System.out.print(Cli.USAGE);
            System.out.flush();
            return;
        }

        MainService service;
        try {
            service = start(options.listen(), options.grpcListen(), System.out);
        } catch (GrpcListenException e) {
            System.err.println("main-service: " + e.getMessage());
            System.exit(EXIT_FAILURE);
            return;
        } catch (IOException e) {
            System.err.println("main-service: cannot listen on " + hostPort(options.listen()) + ": " + e.getMessage());
            System.exit(EXIT_FAILURE);
            return;
        }
        CountDownLatch stopRequested = new CountDownLatch(1);
        // Before the startup line: whoever waits for that line may signal us right after reading it.
        installSignalHandlers(stopRequested);
        // Other modules' tests parse this exact line to discover the port; keep the format stable.
        System.out.println("main-service listening on " + service.hostPort());
        if (service.grpcAddress() != null) {
            System.out.println("main-service gRPC listening on " + hostPort(service.grpcAddress()));
        }
        System.out.flush();

        // The main thread does the shutdown and must stay alive until then: the event loops are daemon
        // threads, so without it the JVM would exit at once.
        awaitUninterruptibly(stopRequested);
        service.stop();
        System.out.println("main-service stopped");
        System.out.flush();
        System.exit(0);
    }

    /** Prints one line to {@code err} and returns the exit code, so the usage path is testable without exiting. */
    static int reportUsageError(Cli.UsageException e, PrintStream err) {
        err.println("main-service: " + e.getMessage() + " (see --help)");
        err.flush();
        return EXIT_USAGE;
    }

    /**
     * Handled directly rather than with a shutdown hook: a hook cannot change the exit status
     * (SIGTERM would end with 143), and the demo expects 0 after a graceful stop.
     */
    private static void installSignalHandlers(CountDownLatch stopRequested) {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> stopRequested.countDown());
            } catch (IllegalArgumentException e) {
                // Only when the JVM owns the signal (e.g. -Xrs); a shutdown hook would not run
                // then either, so say so instead of pretending to stop gracefully.
                System.err.println("main-service: cannot handle SIG" + name + " (" + e.getMessage()
                        + "); it will end the process without a graceful stop");
            }
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // Nothing else should interrupt the main thread; only a signal ends the service.
            }
        }
    }
}
