package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML file, applies overrides, and validates everything before anything starts. Every error names
 * the file (or flag), the key path and the reason.
 */
public final class ConfigLoader {
    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration DAY = Duration.ofDays(1);

    private ConfigLoader() {
    }

    /** Built-in defaults only: what {@code java -jar auth-sidecar.jar} runs with. */
    public static SidecarConfig defaults() throws ConfigException {
        return load(null, List.of());
    }

    public static SidecarConfig load(Path file, List<ConfigOverride> overrides) throws ConfigException {
        String source = file == null ? "defaults" : file.toString();
        ObjectNode tree = file == null ? JsonNodeFactory.instance.objectNode() : readTree(file);
        Map<String, String> overrideSources = new HashMap<>();
        for (ConfigOverride o : overrides) {
            set(tree, o, source);
            overrideSources.put(o.path(), o.source());
        }
        ConfigNode root = ConfigNode.root(source, tree, overrideSources)
                .keys("server", "upstream", "admin", "auth", "rules", "defaultRule", "cors", "shutdown", "accessLog");
        Path baseDir = file == null ? Path.of(".") : file.toAbsolutePath().getParent();
        AuthConfig auth = AuthSection.read(root.child("auth"), baseDir);
        SidecarConfig config = new SidecarConfig(
                server(root.child("server"), baseDir),
                upstream(root.child("upstream"), baseDir),
                admin(root.child("admin")),
                auth,
                RulesSection.read(root, auth.publicPaths()),
                shutdown(root.child("shutdown")),
                accessLog(root.child("accessLog")));
        root.finish();
        return config;
    }

    private static ObjectNode readTree(Path file) throws ConfigException {
        JsonNode tree = YamlFiles.read(file, null);
        if (tree == null) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(file.toString(), "", "the top level must be a mapping of keys to values");
        }
        return (ObjectNode) tree;
    }

    private static void set(ObjectNode tree, ConfigOverride o, String source) throws ConfigException {
        String[] parts = o.path().split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            if (next == null || next.isNull()) {
                next = node.putObject(parts[i]);
            } else if (!next.isObject()) {
                throw new ConfigException(source, o.path(), "cannot apply " + o.source() + ": "
                        + parts[i] + " is not a mapping in the file");
            }
            node = (ObjectNode) next;
        }
        node.put(parts[parts.length - 1], o.value());
    }

    private static ServerConfig server(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys("listen", "ioThreads", "maxRequestLineBytes", "maxHeaderBytes", "requestHeadTimeout",
                "requestBodyTimeout", "idleTimeout", "trustForwardedHeaders", "upgrades", "tunnelIdleTimeout", "http2",
                "tls");
        int maxHeaderBytes = n.integer("maxHeaderBytes", 16384, 1024, 1 << 20);
        Http2Config http2 = http2(n.child("http2"), maxHeaderBytes);
        ServerConfig c = new ServerConfig(
                hostPort(n, "listen", "0.0.0.0:8081"),
                n.integer("ioThreads", 0, 0, 256),
                n.integer("maxRequestLineBytes", 8192, 256, 1 << 20),
                maxHeaderBytes,
                n.duration("requestHeadTimeout", Duration.ofSeconds(10), MS, DAY),
                n.duration("requestBodyTimeout", Duration.ofSeconds(60), MS, DAY),
                n.duration("idleTimeout", Duration.ofSeconds(60), MS, DAY),
                n.bool("trustForwardedHeaders", false),
                upgrades(n),
                n.duration("tunnelIdleTimeout", Duration.ofHours(1), MS, DAY),
                http2,
                TlsSection.read(n, baseDir, http2.enabled()));
        n.finish();
        return c;
    }

    /**
     * HTTP/2 limits. The bounds are RFC 9113's (frame size 16 KiB to 16 MiB, window up to 2^31-1) narrowed to what
     * makes sense for a sidecar: a window above 16 MiB or more than 10 000 streams only multiplies the memory one
     * client can pin. The header list defaults to server.maxHeaderBytes so both protocols refuse the same heads.
     */
    private static Http2Config http2(ConfigNode n, int maxHeaderBytes) throws ConfigException {
        n.keys("enabled", "maxConcurrentStreams", "initialWindowSize", "maxHeaderListSize", "maxFrameSize");
        Http2Config c = new Http2Config(
                n.bool("enabled", true),
                n.integer("maxConcurrentStreams", 100, 1, 10_000),
                n.integer("initialWindowSize", 65_536, 1024, 16 << 20),
                n.integer("maxHeaderListSize", maxHeaderBytes, 1024, 1 << 20),
                n.integer("maxFrameSize", 16_384, 16_384, (1 << 24) - 1));
        n.finish();
        return c;
    }

    /**
     * The upgrade tokens that may open a tunnel. Only WebSocket is relayed (the close frames the sidecar sends are
     * WebSocket's); h2c is named explicitly because passing it on is a known request-smuggling route.
     */
    private static List<String> upgrades(ConfigNode n) throws ConfigException {
        boolean given = n.has("upgrades");
        List<String> tokens = n.strings("upgrades");
        if (!given) {
            return List.of(ServerConfig.WEBSOCKET);
        }
        for (String t : tokens) {
            if (t.equalsIgnoreCase("h2c")) {
                throw n.error("upgrades", "h2c is never passed on (an h2c upgrade through a proxy bypasses its "
                        + "checks); the sidecar speaks HTTP/1.1 to the application");
            }
            if (!t.equalsIgnoreCase(ServerConfig.WEBSOCKET)) {
                throw n.error("upgrades", "only websocket can be tunneled, got '" + t + "'");
            }
        }
        return tokens.isEmpty() ? List.of() : List.of(ServerConfig.WEBSOCKET);
    }

    private static UpstreamConfig upstream(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys("url", "connectTimeout", "responseHeadTimeout", "idleTimeout", "maxIdlePerThread", "protocol",
                "caFile", "certFile", "keyFile");
        String text = n.string("url", "http://127.0.0.1:8080");
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw n.error("url", "not a valid URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
            throw n.error("url", "must be http://host:port or https://host:port, got '" + text + "'");
        }
        if (url.getHost() == null) {
            throw n.error("url", "needs a host, as in http://127.0.0.1:8080, got '" + text + "'");
        }
        if (url.getPort() > 65535) {
            throw n.error("url", "port must be from 1 to 65535, got '" + text + "'");
        }
        if ((url.getRawPath() != null && !url.getRawPath().isEmpty() && !url.getRawPath().equals("/"))
                || url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
            throw n.error("url", "must be scheme://host:port only (no path, query or user), got '" + text + "'");
        }
        UpstreamTlsConfig tls = upstreamTls(n, "https".equalsIgnoreCase(url.getScheme()), baseDir);
        UpstreamConfig c = new UpstreamConfig(
                URI.create(url.getScheme().toLowerCase() + "://" + url.getRawAuthority()),
                n.duration("connectTimeout", Duration.ofSeconds(2), MS, Duration.ofMinutes(5)),
                n.duration("responseHeadTimeout", Duration.ofSeconds(60), MS, DAY),
                n.duration("idleTimeout", Duration.ofSeconds(30), MS, DAY),
                n.integer("maxIdlePerThread", 64, 0, 10_000),
                protocol(n, tls != null),
                tls);
        n.finish();
        return c;
    }

    /**
     * {@code upstream.caFile}, {@code certFile} and {@code keyFile}: only meaningful with an https:// url, so with
     * http:// they are refused rather than ignored (the operator clearly meant TLS). Never a plaintext fallback.
     */
    private static UpstreamTlsConfig upstreamTls(ConfigNode n, boolean https, Path baseDir) throws ConfigException {
        Path ca = n.existingFile("caFile", baseDir);
        Path cert = n.existingFile("certFile", baseDir);
        Path key = n.existingFile("keyFile", baseDir);
        if (!https) {
            for (String k : List.of("caFile", "certFile", "keyFile")) {
                if (n.has(k)) {
                    throw n.error(k, "is only used with an https:// url; the url is http://, so nothing would be "
                            + "verified or encrypted");
                }
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw n.error(cert == null ? "certFile" : "keyFile", "certFile and keyFile go together: the client "
                    + "certificate presented to the application and its private key");
        }
        return new UpstreamTlsConfig(ca, cert, key);
    }

    /**
     * {@code h2c} is HTTP/2 over cleartext and {@code h2} HTTP/2 over TLS, as ALPN names them; each is refused with
     * the other scheme instead of being quietly reinterpreted.
     */
    private static UpstreamConfig.Protocol protocol(ConfigNode n, boolean https) throws ConfigException {
        String p = n.string("protocol", "http1");
        UpstreamConfig.Protocol found = null;
        for (UpstreamConfig.Protocol v : UpstreamConfig.Protocol.values()) {
            if (v.key().equals(p)) {
                found = v;
            }
        }
        if (found == null) {
            throw n.error("protocol", "must be http1, h2c (HTTP/2 with prior knowledge, http://) or h2 (HTTP/2 over "
                    + "TLS, https://), got '" + p + "'");
        }
        if (found == UpstreamConfig.Protocol.H2C && https) {
            throw n.error("protocol", "h2c is HTTP/2 over cleartext, but the url is https://; use h2 for HTTP/2 "
                    + "over TLS");
        }
        if (found == UpstreamConfig.Protocol.H2 && !https) {
            throw n.error("protocol", "h2 is HTTP/2 over TLS, but the url is http://; use h2c for HTTP/2 with prior "
                    + "knowledge over cleartext, or an https:// url");
        }
        return found;
    }

    private static AdminConfig admin(ConfigNode n) throws ConfigException {
        n.keys("listen");
        AdminConfig c = new AdminConfig(hostPort(n, "listen", "0.0.0.0:9901"));
        n.finish();
        return c;
    }

    private static ShutdownConfig shutdown(ConfigNode n) throws ConfigException {
        n.keys("drainDelay", "timeout");
        ShutdownConfig c = new ShutdownConfig(
                n.duration("drainDelay", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(10)),
                n.duration("timeout", Duration.ofSeconds(25), Duration.ZERO, Duration.ofHours(1)));
        n.finish();
        return c;
    }

    private static AccessLogConfig accessLog(ConfigNode n) throws ConfigException {
        n.keys("format");
        String format = n.string("format", "json");
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

    private static HostPort hostPort(ConfigNode n, String key, String fallback) throws ConfigException {
        String text = n.string(key, fallback);
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw n.error(key, e.getMessage());
        }
    }
}
