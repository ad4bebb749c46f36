package dev.authsidecar.e2e;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java client for main-service's gRPC services (the standard health service and {@code demo.Echo/Say}),
 * through the sidecar. The echo method is declared here as main-service declares it (StringValue in and out), so
 * the test does not depend on main-service's classes.
 */
final class DemoGrpc implements AutoCloseable {
    private static final MethodDescriptor<StringValue, StringValue> SAY =
            MethodDescriptor.<StringValue, StringValue>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("demo.Echo/Say")
                    .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                    .build();
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;

    DemoGrpc(String host, int port) {
        channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    }

    private io.grpc.Channel as(String token) {
        Metadata md = new Metadata();
        if (token != null) {
            md.put(AUTHORIZATION, "Bearer " + token);
        }
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    }

    /** The health check's answer, or the status code that ended the call. */
    String health(String token) {
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(as(token))
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            return r.getStatus().name();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** The echo, or the status code that ended the call. */
    String say(String token, String text) {
        try {
            return ClientCalls.blockingUnaryCall(
                            as(token),
                            SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                            StringValue.of(text))
                    .getValue();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
