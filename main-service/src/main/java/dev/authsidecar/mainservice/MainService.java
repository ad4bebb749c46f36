package dev.authsidecar.mainservice;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/** Entry point and lifecycle: a running instance is the handle returned by {@link #start}. */
public final class MainService implements AutoCloseable {

    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILURE = 1;

    /** Upper bound for in-flight exchanges to finish once a stop is requested. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private final HttpServer server;
    private final ExecutorService executor;
    private final InFlight inFlight;
    private final InetSocketAddress address;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private MainService(HttpServer server, ExecutorService executor, InFlight inFlight) {
        this.server = server;
        this.executor = executor;
        this.inFlight = inFlight;
        // Captured now: once the server is stopped its socket is closed and the address is gone.
        this.address = server.getAddress();
    }

    public static MainService start(InetSocketAddress listen) throws IOException {
        return start(listen, System.out);
    }

    static MainService start(InetSocketAddress listen, PrintStream accessLog) throws IOException {
        HttpServer server = HttpServer.create(listen, 0);
        HttpContext context = server.createContext("/", new Routes());
        InFlight inFlight = new InFlight();
        context.getFilters().add(inFlight);
        context.getFilters().add(new RequestLog(accessLog));
        ExecutorService executor = newExecutor();
        // Without an executor the JDK server handles every exchange on its single dispatcher thread.
        server.setExecutor(executor);
        server.start();
        return new MainService(server, executor, inFlight);
    }

    private static ExecutorService newExecutor() {
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "main-service-http-" + counter.incrementAndGet());
            // Daemon so that a stuck handler can never keep the JVM alive after stop().
            thread.setDaemon(true);
            return thread;
        };
        return Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors() * 2, factory);
    }

    /** The actually bound address (relevant when listening on port 0). */
    public InetSocketAddress address() {
        return address;
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

    /**
     * Lets in-flight exchanges finish (at most {@link #STOP_GRACE}), then closes the listener and
     * all connections. The listener stays open while draining; acceptable because the drain is
     * short and, behind the sidecar, traffic has normally stopped by the time we are told to stop.
     * Idempotent.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            inFlight.awaitIdle(STOP_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    public static void main(String[] args) {
        Cli.Options options;
        try {
            options = Cli.parse(List.of(args), System.getenv(Cli.LISTEN_ENV));
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
            service = start(options.listen());
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
        System.out.flush();

        // The main thread does the shutdown and must stay alive until then: once the server's
        // dispatcher thread ends, no non-daemon thread would be left and the JVM could exit
        // before "main-service stopped" is printed.
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
