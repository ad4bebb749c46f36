package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the {@code auth} section: API keys, JWT providers, introspection, identity headers. */
final class AuthSection {
    /** Key names become header values ({@code X-Auth-Subject}), so they stay within safe characters. */
    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9._@:+-]{1,128}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA");
    private static final Set<String> HMAC = Set.of("HS256", "HS384", "HS512");
    private static final Set<String> BUILT_IN_HEADERS = Set.of("x-auth-subject", "x-auth-issuer", "x-auth-scopes",
            "x-auth-client", "x-auth-method");
    private static final Duration MS = Duration.ofMillis(1);

    private AuthSection() {
    }

    static AuthConfig read(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys("apiKeys", "apiKeysFile", "publicPaths", "forwardCredential", "jwt", "introspection", "cache",
                "claimHeaders", "payloadHeader", "closeTunnelsAtExpiry");
        List<ApiKey> keys = new ArrayList<>(apiKeys(n.objects("apiKeys")));
        String keysFileName = n.string("apiKeysFile", null);
        Path keysFile = keysFileName == null ? null : baseDir.resolve(keysFileName);
        if (keysFile != null) {
            keys.addAll(apiKeysFile(keysFile));
        }
        checkUnique(n, keys);
        List<String> publicPaths = n.strings("publicPaths");
        for (int i = 0; i < publicPaths.size(); i++) {
            String p = publicPaths.get(i);
            String body = p.endsWith("/**") ? p.substring(0, p.length() - 2) : p;
            if (!p.startsWith("/") || body.contains("*") || body.contains("//") || body.contains("?")) {
                throw n.error("publicPaths[" + i + "]", "expected an exact path like /healthz or a prefix like "
                        + "/public/**, got '" + p + "'");
            }
            RulesSection.checkPattern(n, "publicPaths[" + i + "]", p);
        }
        boolean forward = n.bool("forwardCredential", false);
        ConfigNode jwt = n.child("jwt").keys("maxTokenBytes", "providers");
        int maxTokenBytes = jwt.integer("maxTokenBytes", 8192, 256, 65536);
        List<JwtProviderConfig> providers = providers(jwt.objects("providers"), baseDir);
        jwt.finish();
        ConfigNode introspectionNode = n.optionalChild("introspection");
        IntrospectionConfig introspection = introspectionNode == null ? null : introspection(introspectionNode, baseDir);
        ConfigNode cache = n.child("cache").keys("maxEntries");
        int cacheMax = cache.integer("maxEntries", 10_000, 0, 10_000_000);
        cache.finish();
        Map<String, String> claimHeaders = n.stringMap("claimHeaders");
        for (String header : claimHeaders.keySet()) {
            checkIdentityHeader(n, "claimHeaders." + header, header);
        }
        String payloadHeader = n.string("payloadHeader", null);
        if (payloadHeader != null) {
            checkIdentityHeader(n, "payloadHeader", payloadHeader);
        }
        AuthConfig c = new AuthConfig(keys, publicPaths, forward, providers, maxTokenBytes, introspection, cacheMax,
                claimHeaders, payloadHeader, keysFile, n.bool("closeTunnelsAtExpiry", true));
        n.finish();
        return c;
    }

    /**
     * Identity headers must be in the {@code X-Auth-} family: the sidecar removes that whole family from every
     * incoming request, which is what makes them impossible to spoof.
     */
    private static void checkIdentityHeader(ConfigNode n, String key, String header) throws ConfigException {
        if (!HEADER_NAME.matcher(header).matches() || !header.toLowerCase(Locale.ROOT).startsWith("x-auth-")
                || header.length() <= 7) {
            throw n.error(key, "header names must start with X-Auth- (incoming X-Auth-* headers are always "
                    + "removed, so the application can trust them), got '" + header + "'");
        }
        if (BUILT_IN_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
            throw n.error(key, header + " is set by the sidecar itself");
        }
    }

    private static void checkUnique(ConfigNode n, List<ApiKey> keys) throws ConfigException {
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (ApiKey k : keys) {
            if (!names.add(k.name())) {
                throw n.error("apiKeys", "the key name '" + k.name() + "' is used twice");
            }
            if (!hashes.add(HexFormat.of().formatHex(k.sha256()))) {
                throw n.error("apiKeys", "the key named '" + k.name() + "' has the same sha256 as another key");
            }
        }
    }

    static List<ApiKey> apiKeys(List<ConfigNode> entries) throws ConfigException {
        List<ApiKey> keys = new ArrayList<>();
        for (ConfigNode e : entries) {
            e.keys("name", "sha256");
            String name = e.string("name", null);
            if (name == null) {
                throw e.error("name", "is required");
            }
            if (!KEY_NAME.matcher(name).matches()) {
                throw e.error("name", "use 1 to 128 letters, digits or . _ @ : + - (it is sent to the application "
                        + "as X-Auth-Subject)");
            }
            String hex = e.string("sha256", null);
            if (hex == null) {
                throw e.error("sha256", "is required: the hex SHA-256 of the key (keys are never stored in clear; "
                        + "`auth-sidecar hash-key` prints it)");
            }
            if (!SHA256_HEX.matcher(hex).matches()) {
                throw e.error("sha256", "expected 64 hex digits (the output of `auth-sidecar gen-key` or `hash-key`)");
            }
            String placeholder = WeakKeys.placeholderOf(hex);
            if (placeholder != null) {
                throw e.error("sha256", "is the SHA-256 of " + placeholder + ", which anyone can guess; make a real "
                        + "key with `auth-sidecar gen-key`");
            }
            e.finish();
            keys.add(new ApiKey(name, HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT))));
        }
        return keys;
    }

    private static List<ApiKey> apiKeysFile(Path file) throws ConfigException {
        String source = file.toString();
        JsonNode tree = YamlFiles.read(file, "auth.apiKeysFile");
        if (tree == null) {
            return List.of();
        }
        ObjectNode wrapper = JsonNodeFactory.instance.objectNode();
        wrapper.set("apiKeys", tree);
        ConfigNode root = ConfigNode.root(source, wrapper, Map.of());
        return apiKeys(root.objects("apiKeys"));
    }

    private static List<JwtProviderConfig> providers(List<ConfigNode> entries, Path baseDir) throws ConfigException {
        List<JwtProviderConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> issuers = new HashSet<>();
        for (ConfigNode p : entries) {
            JwtProviderConfig c = provider(p, baseDir);
            if (!names.add(c.name())) {
                throw p.error("name", "the provider name '" + c.name() + "' is used twice");
            }
            if (!issuers.add(c.issuer())) {
                throw p.error("issuer", "another provider already has the issuer '" + c.issuer() + "'");
            }
            out.add(c);
        }
        return out;
    }

    private static JwtProviderConfig provider(ConfigNode p, Path baseDir) throws ConfigException {
        p.keys("name", "issuer", "audiences", "jwksUri", "jwksFile", "hmacSecretFile", "algorithms", "clockSkew",
                "requiredClaims", "keys", "fetch");
        String name = required(p, "name");
        String issuer = required(p, "issuer");
        List<String> audiences = p.stringOrList("audiences");
        if (audiences.isEmpty()) {
            throw p.error("audiences", "is required: the token's aud must name this application");
        }
        URI jwksUri = p.uri("jwksUri");
        Path jwksFile = p.existingFile("jwksFile", baseDir);
        if (jwksUri != null && jwksFile != null) {
            throw p.error("jwksFile", "give either jwksUri or jwksFile, not both");
        }
        if (jwksUri != null) {
            checkFetchUrl(p, "jwksUri", jwksUri);
        }
        Path hmacSecretFile = p.existingFile("hmacSecretFile", baseDir);
        if (jwksUri == null && jwksFile == null && hmacSecretFile == null) {
            URI discovery;
            try {
                discovery = new URI(issuer);
            } catch (java.net.URISyntaxException e) {
                discovery = null;
            }
            if (discovery == null || discovery.getHost() == null) {
                throw p.error("issuer", "without jwksUri or jwksFile the keys are found by OpenID Connect discovery, "
                        + "which needs the issuer to be a URL; got '" + issuer + "'");
            }
            checkFetchUrl(p, "issuer", discovery);
        }
        List<String> algorithms = p.stringOrList("algorithms");
        if (algorithms.isEmpty()) {
            algorithms = hmacSecretFile != null ? List.of("HS256") : List.of("RS256", "PS256", "ES256");
        }
        for (String alg : algorithms) {
            boolean hmac = HMAC.contains(alg);
            if (!ASYMMETRIC.contains(alg) && !hmac) {
                throw p.error("algorithms", "'" + alg + "' is not supported; use some of "
                        + String.join(", ", new java.util.TreeSet<>(ASYMMETRIC)) + " (or HS256/384/512 with "
                        + "hmacSecretFile)");
            }
            if (hmac && hmacSecretFile == null) {
                throw p.error("algorithms", alg + " needs hmacSecretFile: HMAC is never accepted by default");
            }
        }
        if (hmacSecretFile != null && algorithms.stream().noneMatch(HMAC::contains)) {
            throw p.error("hmacSecretFile", "is set but algorithms lists no HS256/384/512");
        }
        ConfigNode keys = p.child("keys").keys("ttl", "maxStale", "unknownKidInterval");
        ConfigNode fetch = p.child("fetch").keys("connectTimeout", "readTimeout", "maxBytes", "caFile", "tokenFile");
        JwtProviderConfig c = new JwtProviderConfig(name, issuer, audiences, jwksUri, jwksFile, algorithms,
                p.duration("clockSkew", Duration.ofSeconds(60), Duration.ZERO, Duration.ofMinutes(10)),
                p.strings("requiredClaims"),
                hmacSecretFile,
                keys.duration("ttl", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1)),
                keys.duration("maxStale", Duration.ofHours(24), Duration.ZERO, Duration.ofDays(30)),
                keys.duration("unknownKidInterval", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1)),
                fetch.duration("connectTimeout", Duration.ofSeconds(2), MS, Duration.ofMinutes(1)),
                fetch.duration("readTimeout", Duration.ofSeconds(5), MS, Duration.ofMinutes(5)),
                fetch.integer("maxBytes", 1 << 20, 1024, 64 << 20),
                fetch.existingFile("caFile", baseDir),
                fetch.existingFile("tokenFile", baseDir));
        keys.finish();
        fetch.finish();
        p.finish();
        return c;
    }

    private static IntrospectionConfig introspection(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys("endpoint", "clientId", "clientSecretFile", "cacheTtl", "negativeCacheTtl", "timeout", "maxBytes",
                "caFile", "audiences");
        URI endpoint = n.uri("endpoint");
        if (endpoint == null) {
            throw n.error("endpoint", "is required: the RFC 7662 introspection URL");
        }
        checkFetchUrl(n, "endpoint", endpoint);
        String clientId = required(n, "clientId");
        Path secret = n.existingFile("clientSecretFile", baseDir);
        if (secret == null) {
            throw n.error("clientSecretFile", "is required: a file holding the client secret");
        }
        IntrospectionConfig c = new IntrospectionConfig(endpoint, clientId, secret,
                n.duration("cacheTtl", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1)),
                n.duration("negativeCacheTtl", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1)),
                n.duration("timeout", Duration.ofSeconds(3), MS, Duration.ofMinutes(1)),
                n.integer("maxBytes", 64 * 1024, 1024, 16 << 20),
                n.existingFile("caFile", baseDir),
                n.stringOrList("audiences"));
        n.finish();
        return c;
    }

    /** See {@link FetchUrls}: https, or http to this machine only. */
    private static void checkFetchUrl(ConfigNode n, String key, URI uri) throws ConfigException {
        if (!FetchUrls.safeToFetch(uri)) {
            throw n.error(key, "must be an https:// URL (http:// only for localhost), got '" + uri + "'");
        }
    }

    private static String required(ConfigNode n, String key) throws ConfigException {
        String v = n.string(key, null);
        if (v == null) {
            throw n.error(key, "is required");
        }
        return v;
    }
}
