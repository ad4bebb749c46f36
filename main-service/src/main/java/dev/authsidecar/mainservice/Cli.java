package dev.authsidecar.mainservice;

import java.net.InetSocketAddress;
import java.util.List;

/** Command-line and environment parsing; kept free of side effects so it can be tested directly. */
final class Cli {

    static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    static final String LISTEN_ENV = "LISTEN_ADDR";
    static final String DEFAULT_GRPC_LISTEN = "127.0.0.1:9090";
    static final String GRPC_LISTEN_ENV = "GRPC_LISTEN_ADDR";
    /** The value that turns the gRPC port off. */
    static final String OFF = "off";

    static final String USAGE = String.join(
            System.lineSeparator(),
            "Usage: java -jar main-service.jar [--listen HOST:PORT] [--grpc-listen HOST:PORT|off] [--help]",
            "",
            "The application behind the auth sidecar. Serves GET /ping, /whoami and /healthz,",
            "a server-sent-events stream at GET /events[?count=N] and a WebSocket echo at /ws/echo;",
            "on a second port, gRPC (h2c): grpc.health.v1.Health and demo.Echo (Say, Repeat).",
            "",
            "Options:",
            "  --listen HOST:PORT       HTTP address (default " + DEFAULT_LISTEN + ", port 0 = ephemeral)",
            "  --grpc-listen HOST:PORT  gRPC address (default " + DEFAULT_GRPC_LISTEN + "); off = no gRPC",
            "  -h, --help               print this help and exit",
            "",
            "Environment:",
            "  " + LISTEN_ENV + "          used when --listen is not given",
            "  " + GRPC_LISTEN_ENV + "     used when --grpc-listen is not given",
            "",
            "Calling the gRPC services (through the sidecar, or directly):",
            "  java -cp main-service.jar " + GrpcCall.class.getName() + " --help",
            "");

    /** @param grpcListen where gRPC is served, or {@code null} for no gRPC port */
    record Options(InetSocketAddress listen, InetSocketAddress grpcListen, boolean help) {}

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private Cli() {}

    /** @param listenEnv value of {@value #LISTEN_ENV}, or null when unset */
    static Options parse(List<String> args, String listenEnv) throws UsageException {
        return parse(args, listenEnv, null);
    }

    /** @param grpcListenEnv value of {@value #GRPC_LISTEN_ENV}, or null when unset */
    static Options parse(List<String> args, String listenEnv, String grpcListenEnv) throws UsageException {
        String flagValue = null;
        String grpcFlagValue = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                return new Options(null, null, true);
            } else if (arg.equals("--listen") || arg.equals("--grpc-listen")) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(arg + " requires a value HOST:PORT");
                }
                if (arg.equals("--listen")) {
                    flagValue = args.get(++i);
                } else {
                    grpcFlagValue = args.get(++i);
                }
            } else if (arg.startsWith("--listen=")) {
                flagValue = arg.substring("--listen=".length());
            } else if (arg.startsWith("--grpc-listen=")) {
                grpcFlagValue = arg.substring("--grpc-listen=".length());
            } else {
                throw new UsageException("unknown argument '" + arg + "'");
            }
        }
        return new Options(
                address(flagValue, "--listen", listenEnv, LISTEN_ENV, DEFAULT_LISTEN),
                grpcAddress(grpcFlagValue, grpcListenEnv),
                false);
    }

    /** The flag, else the variable, else the default. */
    private static InetSocketAddress address(String flagValue, String flag, String env, String envName, String fallback)
            throws UsageException {
        if (flagValue != null) {
            return parseHostPort(flagValue, flag);
        }
        // An exported-but-empty variable is treated as unset, as most tools do.
        if (env != null && !env.isBlank()) {
            return parseHostPort(env.strip(), envName);
        }
        return parseHostPort(fallback, "default");
    }

    private static InetSocketAddress grpcAddress(String flagValue, String env) throws UsageException {
        String chosen = flagValue != null ? flagValue : env != null && !env.isBlank() ? env.strip() : null;
        if (OFF.equals(chosen)) {
            return null;
        }
        return address(flagValue, "--grpc-listen", env, GRPC_LISTEN_ENV, DEFAULT_GRPC_LISTEN);
    }

    /** Accepts {@code host:port} and {@code [ipv6]:port}. */
    static InetSocketAddress parseHostPort(String value, String source) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw invalid(value, source, "expected HOST:PORT");
        }
        String host = value.substring(0, colon);
        String portText = value.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw invalid(value, source, "IPv6 addresses must be written as [ADDRESS]:PORT");
        }
        if (host.isEmpty()) {
            throw invalid(value, source, "host is empty");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw invalid(value, source, "port '" + portText + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw invalid(value, source, "port " + port + " is outside 0-65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw invalid(value, source, "cannot resolve host '" + host + "'");
        }
        return address;
    }

    private static UsageException invalid(String value, String source, String reason) {
        return new UsageException("invalid " + source + " value '" + value + "': " + reason);
    }
}
