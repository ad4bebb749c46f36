package dev.authsidecar.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.it.H2Client;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.it.WebSocketUpstream;
import dev.authsidecar.it.WsClient;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code upstream.grpc.url}: gRPC calls go to the application's gRPC endpoint (h2c), while REST requests over
 * either protocol and WebSocket upgrades go to {@code upstream.url} (HTTP/1.1, where a WebSocket can cross). Real
 * grpc-java, Netty and JDK clients; the HTTP/1.1 application is a Netty server that cannot speak gRPC at all.
 */
@Timeout(60)
class GrpcRoutingTest {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("test.Echo/Unary")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String[] AUTH = {"Authorization", "Bearer " + RunningSidecar.KEY};

    private static final AtomicInteger grpcCalls = new AtomicInteger();
    private static Server grpcApp;
    private static WebSocketUpstream restApp;
    private static RunningSidecar sidecar;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        grpcApp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
                            grpcCalls.incrementAndGet();
                            out.onNext(req);
                            out.onCompleted();
                        }))
                        .build())
                .build()
                .start();
        restApp = new WebSocketUpstream();
        sidecar = RunningSidecar.start(
                restApp.url(), "upstream:\n  url: URL\n  grpc:\n    url: http://127.0.0.1:" + grpcApp.getPort() + "\n");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.port())
                .usePlaintext()
                .build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        sidecar.close();
        restApp.close();
        grpcApp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static io.grpc.Channel with(String bearer) {
        Metadata md = new Metadata();
        if (bearer != null) {
            md.put(AUTHORIZATION, bearer);
        }
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    }

    private static CallOptions deadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @Test
    void aGrpcCallGoesToTheGrpcEndpointWhileUpstreamUrlSpeaksHttp1() {
        int before = grpcCalls.get();
        int restBefore = restApp.connections();
        byte[] back = ClientCalls.blockingUnaryCall(
                with("Bearer " + RunningSidecar.KEY), UNARY, deadline(), new byte[] {4, 2});
        assertThat(back).containsExactly(4, 2);
        assertThat(grpcCalls.get() - before).isEqualTo(1);
        assertThat(restApp.connections())
                .as("upstream.url saw nothing of the call")
                .isEqualTo(restBefore);
    }

    @Test
    void theGrpcEndpointIsBehindTheSameChecks() {
        int before = grpcCalls.get();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(with(null), UNARY, deadline(), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(
                        () -> ClientCalls.blockingUnaryCall(with("Bearer sk_wrong"), UNARY, deadline(), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(grpcCalls.get()).isEqualTo(before);
    }

    @Test
    void restOverHttp2AndHttp11GoesToUpstreamUrl() throws Exception {
        try (H2Client h2 = new H2Client(sidecar.port())) {
            H2Client.Response r = h2.get("/items/7", AUTH);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("plain /items/7");
        }
        HttpResponse<String> r = sidecar.get("/items/8", AUTH);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("plain /items/8");
    }

    @Test
    void aNonGrpcContentTypeOverHttp2StaysOnUpstreamUrl() throws Exception {
        try (H2Client h2 = new H2Client(sidecar.port())) {
            // gRPC-Web carries its status in the body: plain HTTP, so it goes where REST goes.
            H2Client.Response r = h2.send(H2Client.request(
                            HttpMethod.POST,
                            "/test.Echo/Unary",
                            "authorization",
                            "Bearer " + RunningSidecar.KEY,
                            "content-type",
                            "application/grpc-web"))
                    .get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("plain /test.Echo/Unary");
        }
    }

    @Test
    void aWebSocketGoesToUpstreamUrl() throws Exception {
        WsClient ws = WsClient.open(HttpClient.newHttpClient(), sidecar.port(), "/ws", AUTH);
        ws.sendText("routed");
        assertThat(ws.next(5000)).isEqualTo("routed");
        ws.socket().sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    }

    @Test
    void readinessChecksTheGrpcEndpointToo() throws Exception {
        assertThat(sidecar.admin("/readyz").statusCode()).isEqualTo(200);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (RunningSidecar down = RunningSidecar.start(
                restApp.url(), "upstream:\n  url: URL\n  grpc:\n    url: http://127.0.0.1:" + closedPort + "\n")) {
            HttpResponse<String> r = down.admin("/readyz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("upstream unavailable").contains("127.0.0.1:" + closedPort);
        }
    }
}
