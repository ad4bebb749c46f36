package dev.authsidecar.mainservice;

import java.net.InetSocketAddress;
import java.util.List;

/** Command-line and environment parsing; kept free of side effects so it can be tested directly. */
final class Cli {

    static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    static final String LISTEN_ENV = "LISTEN_ADDR";

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java -jar main-service.jar [--listen HOST:PORT] [--help]",
            "",
            "The application behind the auth sidecar. Serves GET /ping, /whoami and /healthz,",
            "a server-sent-events stream at GET /events[?count=N] and a WebSocket echo at /ws/echo.",
            "",
            "Options:",
            "  --listen HOST:PORT  address to listen on (default " + DEFAULT_LISTEN + ", port 0 = ephemeral)",
            "  -h, --help          print this help and exit",
            "",
            "Environment:",
            "  " + LISTEN_ENV + "          used when --listen is not given",
            "");

    record Options(InetSocketAddress listen, boolean help) {}

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private Cli() {}

    /** @param listenEnv value of {@value #LISTEN_ENV}, or null when unset */
    static Options parse(List<String> args, String listenEnv) throws UsageException {
        String flagValue = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                return new Options(null, true);
            } else if (arg.equals("--listen")) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--listen requires a value HOST:PORT");
                }
                flagValue = args.get(++i);
            } else if (arg.startsWith("--listen=")) {
                flagValue = arg.substring("--listen=".length());
            } else {
                throw new UsageException("unknown argument '" + arg + "'");
            }
        }
        if (flagValue != null) {
            return new Options(parseHostPort(flagValue, "--listen"), false);
        }
        // An exported-but-empty variable is treated as unset, as most tools do.
        if (listenEnv != null && !listenEnv.isBlank()) {
            return new Options(parseHostPort(listenEnv.strip(), LISTEN_ENV), false);
        }
        return new Options(parseHostPort(DEFAULT_LISTEN, "default"), false);
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
