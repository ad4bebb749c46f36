package dev.authsidecar.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.it.RunningSidecar;
import dev.authsidecar.testing.Tokens;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * grpc-java client → sidecar (h2c listener, h2c upstream) → grpc-java server: the four call kinds, large
 * messages, credentials (API keys and real RS256 JWTs), per-method rules and deadlines. Methods carry raw
 * bytes (no protoc needed).
 */
@Timeout(60)
class GrpcEndToEndTest {
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
    private static final MethodDescriptor<byte[], byte[]> UNARY =
            method("test.Echo/Unary", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> SLOW =
            method("test.Echo/Slow", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> SUM =
            method("test.Echo/Sum", MethodDescriptor.MethodType.CLIENT_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> COUNT =
            method("test.Echo/Count", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> CHAT =
            method("test.Echo/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> DROP =
            method("test.Admin/Drop", MethodDescriptor.MethodType.UNARY);
    private static final Metadata.Key<String> SUBJECT =
            Metadata.Key.of("x-auth-subject", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final String ISSUER = "https://idp.test/grpc";
    private static final MethodDescriptor<byte[], byte[]> SECRET =
            method("test.Echo/Secret", MethodDescriptor.MethodType.UNARY);
    private static final AtomicReference<String> seenSubject = new AtomicReference<>();
    private static RSAKey signingKey;
    private static Server app;
    private static RunningSidecar sidecar;
    private static ManagedChannel channel;

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(name)
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    @BeforeAll
    static void start() throws Exception {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(SUM, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    private long total;

                    @Override
                    public void onNext(byte[] value) {
                        total += value.length;
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onNext(Long.toString(total).getBytes());
                        out.onCompleted();
                    }
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    for (int i = 0; i < req[0]; i++) {
                        out.onNext(new byte[] {(byte) i});
                    }
                    out.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        ServerServiceDefinition admin = ServerServiceDefinition.builder("test.Admin")
                .addMethod(DROP, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .build();
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                seenSubject.set(headers.get(SUBJECT));
                return next.startCall(call, headers);
            }
        };
        app = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(echo, capture))
                .addService(admin)
                .maxInboundMessageSize(16 << 20)
                .build()
                .start();
        signingKey = Tokens.rsa("k1");
        Path jwks = Tokens.jwksFile(signingKey);
        sidecar = RunningSidecar.start(
                "http://127.0.0.1:" + app.getPort(),
                "upstream:\n  url: URL\n  protocol: h2c\n",
                "auth:\n" + RunningSidecar.keys()
                        + "  jwt:\n    providers:\n      - name: idp\n        issuer: " + ISSUER + "\n"
                        + "        audiences: [grpc-app]\n        jwksFile: " + jwks + "\n",
                "rules:\n  - path: /test.Admin/**\n    deny: true\n"
                        + "  - path: /test.Echo/Secret\n    require: {scopes: [admin]}\n");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.port())
                .usePlaintext()
                .maxInboundMessageSize(16 << 20)
                .build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        sidecar.close();
        app.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static CallOptions as(String token) {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static io.grpc.Channel with(String bearer) {
        Metadata md = new Metadata();
        if (bearer != null) {
            md.put(AUTHORIZATION, bearer);
        }
        return io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    }

    private static io.grpc.Channel alice() {
        return with("Bearer " + RunningSidecar.KEY);
    }

    @Test
    void noCredentialIsUnauthenticated() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(with(null), UNARY, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).startsWith("Authentication required");
                });
    }

    @Test
    void invalidCredentialIsUnauthenticated() {
        assertThatThrownBy(
                        () -> ClientCalls.blockingUnaryCall(with("Bearer sk_wrong"), UNARY, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void validCredentialUnaryCallWithALargeMessage() {
        byte[] big = new byte[4 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        byte[] back = ClientCalls.blockingUnaryCall(alice(), UNARY, as(null), big);
        assertThat(back).isEqualTo(big);
        assertThat(seenSubject.get()).isEqualTo("alice");
    }

    private static String jwt(RSAKey key, String scope, Instant exp) {
        Map<String, Object> claims = Tokens.claims(ISSUER, "carol", "grpc-app", exp);
        claims.put("scope", scope);
        return "Bearer " + Tokens.token(key, claims);
    }

    @Test
    void realJwtsValidInvalidAndExpired() throws Exception {
        Instant later = Instant.now().plusSeconds(300);
        assertThat(ClientCalls.blockingUnaryCall(with(jwt(signingKey, "read", later)), UNARY, as(null), new byte[] {5}))
                .containsExactly(5);
        assertThat(seenSubject.get()).isEqualTo("carol");
        RSAKey stranger = Tokens.rsa("k1");
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        with(jwt(stranger, "read", later)), UNARY, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        with(jwt(signingKey, "read", Instant.now().minusSeconds(600))), UNARY, as(null), new byte[] {1
                        }))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void perMethodScopeRule() throws Exception {
        Instant later = Instant.now().plusSeconds(300);
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        with(jwt(signingKey, "read", later)), SECRET, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        // With the scope, the call reaches the application, which has no such method.
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        with(jwt(signingKey, "read admin", later)), SECRET, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void deniedMethodIsPermissionDenied() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(alice(), DROP, as(null), new byte[] {1}))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void clientStreaming() throws Exception {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        StreamObserver<byte[]> up = ClientCalls.asyncClientStreamingCall(
                alice().newCall(SUM, as(null)), observer(result, new ArrayList<>()));
        for (int i = 0; i < 20; i++) {
            up.onNext(new byte[100_000]);
        }
        up.onCompleted();
        assertThat(new String(result.get(20, TimeUnit.SECONDS))).isEqualTo("2000000");
    }

    @Test
    void serverStreaming() {
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(alice(), COUNT, as(null), new byte[] {50});
        int n = 0;
        while (it.hasNext()) {
            assertThat(it.next()[0]).isEqualTo((byte) n);
            n++;
        }
        assertThat(n).isEqualTo(50);
    }

    @Test
    void bidiStreamingInterleaves() throws Exception {
        LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        StreamObserver<byte[]> up =
                ClientCalls.asyncBidiStreamingCall(alice().newCall(CHAT, as(null)), new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        got.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(new byte[0]);
                    }
                });
        for (int i = 0; i < 20; i++) {
            up.onNext(new byte[] {(byte) i});
            // Each answer arrives before the next message is sent: the call is really full duplex.
            assertThat(got.poll(10, TimeUnit.SECONDS)).containsExactly((byte) i);
        }
        up.onCompleted();
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void clientDeadlineEndsTheCallAndTheSidecarKeepsServing() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        alice(), SLOW, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), new byte[] {1
                        }))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
        assertThat(ClientCalls.blockingUnaryCall(alice(), UNARY, as(null), new byte[] {9}))
                .containsExactly(9);
    }

    private static StreamObserver<byte[]> observer(CompletableFuture<byte[]> last, List<byte[]> all) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                all.add(value);
                last.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                last.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        };
    }
}
