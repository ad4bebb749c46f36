package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML file, applies overrides, and validates everything before anything starts. Every error names
 * the file (or flag), the key path and the reason.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Built-in defaults only: what {@code java -jar auth-sidecar.jar} runs with. */
    public static SidecarConfig defaults() throws ConfigException {
        return load(null, List.of());
    }

    public static SidecarConfig load(Path file, List<ConfigOverride> overrides) throws ConfigException {
        return read(file, overrides, new LinkedHashMap<>());
    }

    /**
     * The value every single key is in force with, and where it came from, for {@code check-config --effective}.
     * Keys of absent optional sections ({@code server.tls}, {@code auth.introspection}) are left out.
     *
     * @throws ConfigException as {@link #load} does, for an invalid configuration
     */
    public static List<Setting> effective(Path file, List<ConfigOverride> overrides) throws ConfigException {
        Map<String, Setting> settings = new LinkedHashMap<>();
        read(file, overrides, settings);
        List<Setting> out = new ArrayList<>();
        for (ConfigKey k : ConfigKeys.withVariables()) {
            Setting s = settings.get(k.path());
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private static SidecarConfig read(Path file, List<ConfigOverride> overrides, Map<String, Setting> settings)
            throws ConfigException {
        String source = file == null ? "defaults" : file.toString();
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : YamlFiles.mapping(file);
        Map<String, String> overrideSources = new HashMap<>();
        for (ConfigOverride o : overrides) {
            set(tree, o, source);
            overrideSources.put(o.path(), o.source());
        }
        ConfigNode root =
                ConfigNode.root(source, tree, overrideSources, settings).keys();
        Path baseDir = file == null ? Path.of(".") : file.toAbsolutePath().getParent();
        AuthConfig auth = AuthSection.read(root.child(AuthKeys.AUTH), baseDir);
        SidecarConfig config = new SidecarConfig(
                server(root.child(ServerKeys.SERVER), baseDir),
                upstream(root.child(UpstreamKeys.UPSTREAM), baseDir),
                admin(root.child(ProcessKeys.ADMIN)),
                auth,
                RulesSection.read(root, auth.publicPaths()),
                shutdown(root.child(ProcessKeys.SHUTDOWN)),
                accessLog(root.child(ProcessKeys.ACCESS_LOG)));
        root.finish();
        return config;
    }

    private static void set(ObjectNode tree, ConfigOverride o, String source) throws ConfigException {
        String[] parts = o.path().split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            if (next == null || next.isNull()) {
                next = node.putObject(parts[i]);
            } else if (!next.isObject()) {
                throw new ConfigException(
                        source,
                        o.path(),
                        "cannot apply " + o.source() + ": " + parts[i] + " is not a mapping in the file");
            }
            node = (ObjectNode) next;
        }
        node.put(parts[parts.length - 1], o.value());
    }

    private static ServerConfig server(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys();
        int maxHeaderBytes = n.read(ServerKeys.MAX_HEADER_BYTES);
        Http2Config http2 = http2(n.child(ServerKeys.HTTP2), maxHeaderBytes);
        ServerConfig c = new ServerConfig(
                hostPort(n, ServerKeys.LISTEN),
                n.read(ServerKeys.IO_THREADS),
                n.read(ServerKeys.MAX_REQUEST_LINE_BYTES),
                maxHeaderBytes,
                n.read(ServerKeys.REQUEST_HEAD_TIMEOUT),
                n.read(ServerKeys.REQUEST_BODY_TIMEOUT),
                n.read(ServerKeys.IDLE_TIMEOUT),
                n.read(ServerKeys.MAX_CONNECTIONS),
                n.read(ServerKeys.TRUST_FORWARDED_HEADERS),
                upgrades(n),
                n.read(ServerKeys.TUNNEL_IDLE_TIMEOUT),
                http2,
                TlsSection.read(n, baseDir, http2.enabled()),
                transport(n));
        n.finish();
        return c;
    }

    /**
     * Only the name is checked here; whether the kernel has the transport is checked at start-up (net.Transport),
     * on the machine that runs it: check-config may run elsewhere (a CI job, a developer's Mac).
     */
    private static ServerConfig.TransportChoice transport(ConfigNode n) throws ConfigException {
        String text = n.read(ServerKeys.TRANSPORT);
        for (ServerConfig.TransportChoice t : ServerConfig.TransportChoice.values()) {
            if (t.key().equals(text)) {
                return t;
            }
        }
        throw n.error("transport", "expected auto, io_uring, epoll or nio, got '" + text + "'");
    }

    /** HTTP/2 limits (bounds: see {@link ServerKeys}); the header list defaults to server.maxHeaderBytes. */
    private static Http2Config http2(ConfigNode n, int maxHeaderBytes) throws ConfigException {
        n.keys();
        Http2Config c = new Http2Config(
                n.read(ServerKeys.HTTP2_ENABLED),
                n.read(ServerKeys.HTTP2_MAX_CONCURRENT_STREAMS),
                n.read(ServerKeys.HTTP2_INITIAL_WINDOW_SIZE),
                n.read(ServerKeys.HTTP2_MAX_HEADER_LIST_SIZE, maxHeaderBytes),
                n.read(ServerKeys.HTTP2_MAX_FRAME_SIZE));
        n.finish();
        return c;
    }

    /**
     * The upgrade tokens that may open a tunnel. Only WebSocket is relayed (the close frames the sidecar sends are
     * WebSocket's); h2c is named explicitly because passing it on is a known request-smuggling route.
     */
    private static List<String> upgrades(ConfigNode n) throws ConfigException {
        boolean given = n.has(ServerKeys.UPGRADES);
        List<String> tokens = n.strings(ServerKeys.UPGRADES);
        if (!given) {
            return List.of(ServerConfig.WEBSOCKET);
        }
        for (String t : tokens) {
            if (t.equalsIgnoreCase("h2c")) {
                throw n.error(
                        "upgrades",
                        "h2c is never passed on (an h2c upgrade through a proxy bypasses its "
                                + "checks); the sidecar speaks HTTP/1.1 to the application");
            }
            if (!t.equalsIgnoreCase(ServerConfig.WEBSOCKET)) {
                throw n.error("upgrades", "only websocket can be tunneled, got '" + t + "'");
            }
        }
        return tokens.isEmpty() ? List.of() : List.of(ServerConfig.WEBSOCKET);
    }

    private static UpstreamConfig upstream(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys();
        URI url = applicationUrl(n, UpstreamKeys.URL, n.read(UpstreamKeys.URL), true);
        UpstreamTlsConfig tls = upstreamTls(n, "https".equals(url.getScheme()), baseDir);
        UpstreamConfig c = new UpstreamConfig(
                url,
                n.read(UpstreamKeys.CONNECT_TIMEOUT),
                n.read(UpstreamKeys.RESPONSE_HEAD_TIMEOUT),
                n.read(UpstreamKeys.IDLE_TIMEOUT),
                n.read(UpstreamKeys.MAX_IDLE_PER_THREAD),
                protocol(n, tls != null),
                tls,
                grpcUrl(n.optionalChild(UpstreamKeys.GRPC)));
        n.finish();
        return c;
    }

    /**
     * {@code upstream.grpc.url}: a second endpoint of the application, for gRPC calls only, always spoken to as h2c.
     * It exists because one endpoint cannot serve both gRPC (which needs HTTP/2 to the application) and WebSocket
     * (which cannot cross an HTTP/2 connection to it).
     */
    private static URI grpcUrl(ConfigNode n) throws ConfigException {
        if (n == null) {
            return null;
        }
        n.keys();
        String text = n.read(UpstreamKeys.GRPC_URL);
        if (text == null) {
            throw n.error(
                    UpstreamKeys.GRPC_URL, "is required when upstream.grpc is given, as in http://127.0.0.1:9090");
        }
        URI url = applicationUrl(n, UpstreamKeys.GRPC_URL, text, false);
        n.finish();
        return url;
    }

    /**
     * An application address: {@code http://host[:port]} (or {@code https://} where TLS is allowed) and nothing
     * else, normalized to lower-case scheme.
     */
    private static URI applicationUrl(ConfigNode n, ConfigKey key, String text, boolean https) throws ConfigException {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw n.error(key, "not a valid URL: " + e.getMessage());
        }
        if (https && !"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
            throw n.error(key, "must be http://host:port or https://host:port, got '" + text + "'");
        }
        if (!https && !"http".equalsIgnoreCase(url.getScheme())) {
            throw n.error(
                    key,
                    "only http:// upstreams are supported for gRPC (calls go to the application as h2c), got '" + text
                            + "'");
        }
        if (url.getHost() == null) {
            throw n.error(key, "needs a host, as in http://127.0.0.1:8080, got '" + text + "'");
        }
        if (url.getPort() > 65535) {
            throw n.error(key, "port must be from 1 to 65535, got '" + text + "'");
        }
        if ((url.getRawPath() != null
                        && !url.getRawPath().isEmpty()
                        && !url.getRawPath().equals("/"))
                || url.getRawQuery() != null
                || url.getRawFragment() != null
                || url.getRawUserInfo() != null) {
            throw n.error(key, "must be scheme://host:port only (no path, query or user), got '" + text + "'");
        }
        return URI.create(url.getScheme().toLowerCase() + "://" + url.getRawAuthority());
    }

    /**
     * {@code upstream.caFile}, {@code certFile} and {@code keyFile}: only meaningful with an https:// url, so with
     * http:// they are refused rather than ignored (the operator clearly meant TLS). Never a plaintext fallback.
     */
    private static UpstreamTlsConfig upstreamTls(ConfigNode n, boolean https, Path baseDir) throws ConfigException {
        Path ca = n.existingFile(UpstreamKeys.CA_FILE, baseDir);
        Path cert = n.existingFile(UpstreamKeys.CERT_FILE, baseDir);
        Path key = n.existingFile(UpstreamKeys.KEY_FILE, baseDir);
        if (!https) {
            for (ConfigKey k : List.of(UpstreamKeys.CA_FILE, UpstreamKeys.CERT_FILE, UpstreamKeys.KEY_FILE)) {
                if (n.has(k)) {
                    throw n.error(
                            k,
                            "is only used with an https:// url; the url is http://, so nothing would be "
                                    + "verified or encrypted");
                }
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw n.error(
                    cert == null ? UpstreamKeys.CERT_FILE : UpstreamKeys.KEY_FILE,
                    "certFile and keyFile go together: the client "
                            + "certificate presented to the application and its private key");
        }
        return new UpstreamTlsConfig(ca, cert, key);
    }

    /**
     * {@code h2c} is HTTP/2 over cleartext and {@code h2} HTTP/2 over TLS, as ALPN names them; each is refused with
     * the other scheme instead of being quietly reinterpreted.
     */
    private static UpstreamConfig.Protocol protocol(ConfigNode n, boolean https) throws ConfigException {
        String p = n.read(UpstreamKeys.PROTOCOL);
        UpstreamConfig.Protocol found = null;
        for (UpstreamConfig.Protocol v : UpstreamConfig.Protocol.values()) {
            if (v.key().equals(p)) {
                found = v;
            }
        }
        if (found == null) {
            throw n.error(
                    "protocol",
                    "must be http1, h2c (HTTP/2 with prior knowledge, http://) or h2 (HTTP/2 over "
                            + "TLS, https://), got '" + p + "'");
        }
        if (found == UpstreamConfig.Protocol.H2C && https) {
            throw n.error(
                    "protocol",
                    "h2c is HTTP/2 over cleartext, but the url is https://; use h2 for HTTP/2 " + "over TLS");
        }
        if (found == UpstreamConfig.Protocol.H2 && !https) {
            throw n.error(
                    "protocol",
                    "h2 is HTTP/2 over TLS, but the url is http://; use h2c for HTTP/2 with prior "
                            + "knowledge over cleartext, or an https:// url");
        }
        return found;
    }

    private static AdminConfig admin(ConfigNode n) throws ConfigException {
        n.keys();
        AdminConfig c = new AdminConfig(hostPort(n, ProcessKeys.ADMIN_LISTEN));
        n.finish();
        return c;
    }

    private static ShutdownConfig shutdown(ConfigNode n) throws ConfigException {
        n.keys();
        ShutdownConfig c =
                new ShutdownConfig(n.read(ProcessKeys.SHUTDOWN_DRAIN_DELAY), n.read(ProcessKeys.SHUTDOWN_TIMEOUT));
        n.finish();
        return c;
    }

    private static AccessLogConfig accessLog(ConfigNode n) throws ConfigException {
        n.keys();
        String format = n.read(ProcessKeys.ACCESS_LOG_FORMAT);
        AccessLogConfig c = switch (format) {
            case "json" -> new AccessLogConfig(AccessLogConfig.Format.JSON);
            case "text" -> new AccessLogConfig(AccessLogConfig.Format.TEXT);
            // YAML 1.1 reads a bare `off` as the boolean false.
            case "off", "false" -> new AccessLogConfig(AccessLogConfig.Format.OFF);
            default -> throw n.error("format", "expected json, text or off, got '" + format + "'");
        };
        n.finish();
        return c;
    }

    private static HostPort hostPort(ConfigNode n, ConfigKey.TextKey key) throws ConfigException {
        String text = n.read(key);
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw n.error(key, e.getMessage());
        }
    }
}
