package dev.authsidecar.mainservice;

import com.google.protobuf.StringValue;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;

/**
 * {@code demo.Echo}: a unary and a server-streaming method. The messages are protobuf's well-known
 * {@code google.protobuf.StringValue}, so the service needs no .proto file and no code generation, and any gRPC
 * client that knows the well-known types can call it. The method descriptors are shared with {@link GrpcCall}.
 */
final class EchoService {
    static final String NAME = "demo.Echo";
    /** How many messages {@code Repeat} sends. */
    static final int REPEATS = 3;

    /** Answers with the text it received. */
    static final MethodDescriptor<StringValue, StringValue> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
    /** Answers with {@value #REPEATS} messages, {@code 1/3 text} to {@code 3/3 text}. */
    static final MethodDescriptor<StringValue, StringValue> REPEAT =
            method("Repeat", MethodDescriptor.MethodType.SERVER_STREAMING);

    private EchoService() {}

    private static MethodDescriptor<StringValue, StringValue> method(String name, MethodDescriptor.MethodType type) {
        MethodDescriptor.Marshaller<StringValue> marshaller = ProtoUtils.marshaller(StringValue.getDefaultInstance());
        return MethodDescriptor.<StringValue, StringValue>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(NAME, name))
                .setRequestMarshaller(marshaller)
                .setResponseMarshaller(marshaller)
                .build();
    }

    static ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(NAME)
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, out) -> {
                    out.onNext(request);
                    out.onCompleted();
                }))
                .addMethod(REPEAT, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    for (int i = 1; i <= REPEATS; i++) {
                        out.onNext(StringValue.of(i + "/" + REPEATS + " " + request.getValue()));
                    }
                    out.onCompleted();
                }))
                .build();
    }
}
