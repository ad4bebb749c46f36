package dev.authsidecar.mainservice;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * main-service's gRPC port (h2c, grpc-java): the standard health service ({@code grpc.health.v1.Health}) and
 * {@link EchoService}. A separate port because the HTTP/1.1 port must keep serving WebSockets, which cannot
 * cross an HTTP/2 connection; the sidecar sends gRPC here ({@code upstream.grpc.url}). Each call is logged as
 * {@code TIME grpc /demo.Echo/Say OK 0.41ms subject=alice}, like the HTTP requests.
 */
final class GrpcEndpoint {
    /** grpc-java's Netty is shaded, and so are the system properties it reads. */
    private static final String NO_NATIVE = "io.grpc.netty.shaded.io.netty.transport.noNative";

    private static final Metadata.Key<String> SUBJECT =
            Metadata.Key.of("x-auth-subject", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final HealthStatusManager health;

    private GrpcEndpoint(Server server, HealthStatusManager health) {
        this.server = server;
        this.health = health;
    }

    /**
     * grpc-java's Netty uses NIO rather than its native epoll library:
     * loading a native library makes JDK 22+ print warnings at start-up, and the image's /tmp, where the library
     * would be unpacked, need not allow exec. A demo's gRPC port gains nothing from epoll. Call before any gRPC
     * class loads; a value set with -D wins.
     */
    static void preferNio() {
        if (System.getProperty(NO_NATIVE) == null) {
            System.setProperty(NO_NATIVE, "true");
        }
    }

    static GrpcEndpoint start(InetSocketAddress listen, PrintStream log) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(EchoService.NAME, ServingStatus.SERVING);
        Server server = NettyServerBuilder.forAddress(listen)
                // Small messages only: this is a demo service, and a bound keeps a hostile caller cheap.
                .maxInboundMessageSize(MainService.MAX_REQUEST_BYTES)
                .addService(ServerInterceptors.intercept(health.getHealthService(), new CallLog(log)))
                .addService(ServerInterceptors.intercept(EchoService.definition(), new CallLog(log)))
                .build();
        server.start();
        return new GrpcEndpoint(server, health);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    /**
     * Health turns NOT_SERVING first (a client polling it stops sending), calls in flight get up to {@code grace}
     * to finish, then the rest are cancelled.
     */
    void stop(Duration grace) {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow().awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** One line per call, when it closes. */
    private static final class CallLog implements ServerInterceptor {
        private final PrintStream out;

        CallLog(PrintStream out) {
            this.out = out;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Instant started = Instant.now();
            long startNanos = System.nanoTime();
            String subject = headers.get(SUBJECT);
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            // One println per line: PrintStream synchronizes it, so concurrent calls do not interleave.
                            out.println(String.format(
                                    Locale.ROOT,
                                    "%s grpc /%s %s %.2fms subject=%s",
                                    RequestLog.TIME.format(started),
                                    call.getMethodDescriptor().getFullMethodName(),
                                    status.getCode(),
                                    (System.nanoTime() - startNanos) / 1e6,
                                    subject == null || subject.isEmpty() ? "-" : RequestLog.printable(subject)));
                            super.close(status, trailers);
                        }
                    },
                    headers);
        }
    }
}
