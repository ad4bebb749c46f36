package dev.authsidecar.mainservice;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small gRPC client for main-service's services, shipped in its jar so that the demo needs no grpcurl:
 * {@code java -cp main-service.jar dev.authsidecar.mainservice.GrpcCall --target 127.0.0.1:8081 --token KEY say hi}.
 * Prints the answer and exits 0, or prints the gRPC status (e.g. {@code UNAUTHENTICATED: …}) and exits 1.
 */
public final class GrpcCall {
    static final String USAGE = String.join(
            System.lineSeparator(),
            "Usage: java -cp main-service.jar " + GrpcCall.class.getName()
                    + " [--target HOST:PORT] [--token TOKEN] COMMAND",
            "",
            "Commands:",
            "  health [SERVICE]  grpc.health.v1.Health/Check (SERVICE default: the whole server)",
            "  say TEXT          demo.Echo/Say (unary): prints TEXT back",
            "  repeat TEXT       demo.Echo/Repeat (server streaming): prints " + EchoService.REPEATS + " lines",
            "",
            "Options:",
            "  --target HOST:PORT  where to call, in h2c (default 127.0.0.1:8081, the sidecar)",
            "  --token TOKEN       sent as authorization: Bearer TOKEN",
            "");
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcCall() {}

    public static void main(String[] args) {
        GrpcEndpoint.preferNio();
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** The exit code: 0 with an answer, 1 with a gRPC error, 2 with a usage error. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        String target = "127.0.0.1:8081";
        String token = null;
        List<String> command = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if ((arg.equals("--target") || arg.equals("--token")) && i + 1 < args.size()) {
                if (arg.equals("--target")) {
                    target = args.get(++i);
                } else {
                    token = args.get(++i);
                }
            } else if (arg.startsWith("--")) {
                return usage(err, "unknown or incomplete option '" + arg + "'");
            } else {
                command.add(arg);
            }
        }
        if (command.isEmpty()) {
            return usage(err, "no command given");
        }
        String verb = command.get(0);
        boolean valid = switch (verb) {
            case "health" -> command.size() <= 2;
            case "say", "repeat" -> command.size() == 2;
            default -> false;
        };
        if (!valid) {
            return usage(err, "expected health [SERVICE], say TEXT or repeat TEXT, got " + command);
        }
        ManagedChannel channel =
                NettyChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            if (token != null) {
                headers.put(AUTHORIZATION, "Bearer " + token);
            }
            Channel authed = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
            switch (verb) {
                case "health" ->
                    out.println(HealthGrpc.newBlockingStub(authed)
                            .withDeadline(options.getDeadline())
                            .check(HealthCheckRequest.newBuilder()
                                    .setService(command.size() == 2 ? command.get(1) : "")
                                    .build())
                            .getStatus());
                case "say" ->
                    out.println(ClientCalls.blockingUnaryCall(
                                    authed, EchoService.SAY, options, StringValue.of(command.get(1)))
                            .getValue());
                default -> {
                    Iterator<StringValue> answers = ClientCalls.blockingServerStreamingCall(
                            authed, EchoService.REPEAT, options, StringValue.of(command.get(1)));
                    while (answers.hasNext()) {
                        out.println(answers.next().getValue());
                    }
                }
            }
            out.flush();
            return 0;
        } catch (StatusRuntimeException e) {
            err.println(e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null
                            ? ""
                            : ": " + e.getStatus().getDescription()));
            err.flush();
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("grpc-call: " + message + " (see --help)");
        err.flush();
        return 2;
    }
}
