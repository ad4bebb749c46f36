package dev.authsidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Path;
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
    private static final Set<String> ASYMMETRIC =
            Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
    private static final Set<String> HMAC = Set.of("HS256", "HS384", "HS512");
    private static final Set<String> BUILT_IN_HEADERS =
            Set.of("x-auth-subject", "x-auth-issuer", "x-auth-scopes", "x-auth-client", "x-auth-method");

    private AuthSection() {}

    static AuthConfig read(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys();
        List<ApiKey> keys = new ArrayList<>(apiKeys(n.objects(AuthKeys.API_KEYS)));
        String keysFileName = n.read(AuthKeys.API_KEYS_FILE);
        Path keysFile = keysFileName == null ? null : baseDir.resolve(keysFileName);
        if (keysFile != null) {
            keys.addAll(apiKeysFile(keysFile));
        }
        checkUnique(n, keys);
        List<String> publicPaths = n.strings(AuthKeys.PUBLIC_PATHS);
        for (int i = 0; i < publicPaths.size(); i++) {
            String p = publicPaths.get(i);
            String body = p.endsWith("/**") ? p.substring(0, p.length() - 2) : p;
            if (!p.startsWith("/") || body.contains("*") || body.contains("//") || body.contains("?")) {
                throw n.error(
                        "publicPaths[" + i + "]",
                        "expected an exact path like /healthz or a prefix like " + "/public/**, got '" + p + "'");
            }
            RulesSection.checkPattern(n, "publicPaths[" + i + "]", p);
        }
        boolean forward = n.read(AuthKeys.FORWARD_CREDENTIAL);
        ConfigNode jwt = n.child(AuthKeys.JWT).keys();
        int maxTokenBytes = jwt.read(AuthKeys.JWT_MAX_TOKEN_BYTES);
        List<JwtProviderConfig> providers = providers(jwt.objects(AuthKeys.PROVIDERS), baseDir);
        jwt.finish();
        ConfigNode introspectionNode = n.optionalChild(AuthKeys.INTROSPECTION);
        IntrospectionConfig introspection =
                introspectionNode == null ? null : introspection(introspectionNode, baseDir);
        ConfigNode cache = n.child(AuthKeys.CACHE).keys();
        int cacheMax = cache.read(AuthKeys.CACHE_MAX_ENTRIES);
        cache.finish();
        Map<String, String> claimHeaders = n.stringMap(AuthKeys.CLAIM_HEADERS);
        for (String header : claimHeaders.keySet()) {
            checkIdentityHeader(n, "claimHeaders." + header, header);
        }
        String payloadHeader = n.read(AuthKeys.PAYLOAD_HEADER);
        if (payloadHeader != null) {
            checkIdentityHeader(n, "payloadHeader", payloadHeader);
        }
        AuthConfig c = new AuthConfig(
                keys,
                publicPaths,
                forward,
                providers,
                maxTokenBytes,
                introspection,
                cacheMax,
                claimHeaders,
                payloadHeader,
                keysFile,
                n.read(AuthKeys.CLOSE_TUNNELS_AT_EXPIRY),
                mtls(n.child(AuthKeys.MTLS)));
        n.finish();
        return c;
    }

    private static MtlsConfig mtls(ConfigNode n) throws ConfigException {
        n.keys();
        String from = n.read(AuthKeys.MTLS_SUBJECT_FROM);
        MtlsConfig.SubjectFrom subjectFrom = switch (from) {
            case "uri-san" -> MtlsConfig.SubjectFrom.URI_SAN;
            case "dns-san" -> MtlsConfig.SubjectFrom.DNS_SAN;
            case "subject-cn" -> MtlsConfig.SubjectFrom.SUBJECT_CN;
            default -> throw n.error("subjectFrom", "expected uri-san, dns-san or subject-cn, got '" + from + "'");
        };
        MtlsConfig c = new MtlsConfig(subjectFrom, n.read(AuthKeys.MTLS_FORWARD_CLIENT_CERT));
        n.finish();
        return c;
    }

    /**
     * Identity headers must be in the {@code X-Auth-} family: the sidecar removes that whole family from every
     * incoming request, which is what makes them impossible to spoof.
     */
    private static void checkIdentityHeader(ConfigNode n, String key, String header) throws ConfigException {
        if (!HEADER_NAME.matcher(header).matches()
                || !header.toLowerCase(Locale.ROOT).startsWith("x-auth-")
                || header.length() <= 7) {
            throw n.error(
                    key,
                    "header names must start with X-Auth- (incoming X-Auth-* headers are always "
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
            e.keys();
            String name = e.read(AuthKeys.API_KEY_NAME);
            if (name == null) {
                throw e.error("name", "is required");
            }
            if (!KEY_NAME.matcher(name).matches()) {
                throw e.error(
                        "name",
                        "use 1 to 128 letters, digits or . _ @ : + - (it is sent to the application "
                                + "as X-Auth-Subject)");
            }
            String hex = e.read(AuthKeys.API_KEY_SHA256);
            if (hex == null) {
                throw e.error(
                        "sha256",
                        "is required: the hex SHA-256 of the key (keys are never stored in clear; "
                                + "`auth-sidecar hash-key` prints it)");
            }
            if (!SHA256_HEX.matcher(hex).matches()) {
                throw e.error("sha256", "expected 64 hex digits (the output of `auth-sidecar gen-key` or `hash-key`)");
            }
            String placeholder = WeakKeys.placeholderOf(hex);
            if (placeholder != null) {
                throw e.error(
                        "sha256",
                        "is the SHA-256 of " + placeholder + ", which anyone can guess; make a real "
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
        wrapper.set(AuthKeys.API_KEYS.name(), tree);
        return apiKeys(
                ConfigNode.detached(source, AuthKeys.AUTH.path(), wrapper).objects(AuthKeys.API_KEYS));
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
        p.keys();
        String name = required(p, AuthKeys.PROVIDER_NAME);
        String issuer = required(p, AuthKeys.PROVIDER_ISSUER);
        List<String> audiences = p.stringOrList(AuthKeys.PROVIDER_AUDIENCES);
        if (audiences.isEmpty()) {
            throw p.error("audiences", "is required: the token's aud must name this application");
        }
        URI jwksUri = p.uri(AuthKeys.PROVIDER_JWKS_URI);
        Path jwksFile = p.existingFile(AuthKeys.PROVIDER_JWKS_FILE, baseDir);
        if (jwksUri != null && jwksFile != null) {
            throw p.error("jwksFile", "give either jwksUri or jwksFile, not both");
        }
        if (jwksUri != null) {
            checkFetchUrl(p, "jwksUri", jwksUri);
        }
        Path hmacSecretFile = p.existingFile(AuthKeys.PROVIDER_HMAC_SECRET_FILE, baseDir);
        if (jwksUri == null && jwksFile == null && hmacSecretFile == null) {
            URI discovery;
            try {
                discovery = new URI(issuer);
            } catch (java.net.URISyntaxException e) {
                discovery = null;
            }
            if (discovery == null || discovery.getHost() == null) {
                throw p.error(
                        "issuer",
                        "without jwksUri or jwksFile the keys are found by OpenID Connect discovery, "
                                + "which needs the issuer to be a URL; got '" + issuer + "'");
            }
            checkFetchUrl(p, "issuer", discovery);
        }
        List<String> algorithms = p.stringOrList(AuthKeys.PROVIDER_ALGORITHMS);
        if (algorithms.isEmpty()) {
            algorithms = hmacSecretFile != null ? List.of("HS256") : List.of("RS256", "PS256", "ES256");
        }
        for (String alg : algorithms) {
            boolean hmac = HMAC.contains(alg);
            if (!ASYMMETRIC.contains(alg) && !hmac) {
                throw p.error(
                        "algorithms",
                        "'" + alg + "' is not supported; use some of "
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
        ConfigNode keys = p.child(AuthKeys.PROVIDER_KEYS).keys();
        ConfigNode fetch = p.child(AuthKeys.PROVIDER_FETCH).keys();
        JwtProviderConfig c = new JwtProviderConfig(
                name,
                issuer,
                audiences,
                jwksUri,
                jwksFile,
                algorithms,
                p.read(AuthKeys.PROVIDER_CLOCK_SKEW),
                p.strings(AuthKeys.PROVIDER_REQUIRED_CLAIMS),
                hmacSecretFile,
                keys.read(AuthKeys.KEYS_TTL),
                keys.read(AuthKeys.KEYS_MAX_STALE),
                keys.read(AuthKeys.KEYS_UNKNOWN_KID_INTERVAL),
                fetch.read(AuthKeys.FETCH_CONNECT_TIMEOUT),
                fetch.read(AuthKeys.FETCH_READ_TIMEOUT),
                fetch.read(AuthKeys.FETCH_MAX_BYTES),
                fetch.existingFile(AuthKeys.FETCH_CA_FILE, baseDir),
                fetch.existingFile(AuthKeys.FETCH_TOKEN_FILE, baseDir));
        keys.finish();
        fetch.finish();
        p.finish();
        return c;
    }

    private static IntrospectionConfig introspection(ConfigNode n, Path baseDir) throws ConfigException {
        n.keys();
        URI endpoint = n.uri(AuthKeys.INTROSPECTION_ENDPOINT);
        if (endpoint == null) {
            throw n.error("endpoint", "is required: the RFC 7662 introspection URL");
        }
        checkFetchUrl(n, "endpoint", endpoint);
        String clientId = required(n, AuthKeys.INTROSPECTION_CLIENT_ID);
        Path secret = n.existingFile(AuthKeys.INTROSPECTION_CLIENT_SECRET_FILE, baseDir);
        if (secret == null) {
            throw n.error("clientSecretFile", "is required: a file holding the client secret");
        }
        IntrospectionConfig c = new IntrospectionConfig(
                endpoint,
                clientId,
                secret,
                n.read(AuthKeys.INTROSPECTION_CACHE_TTL),
                n.read(AuthKeys.INTROSPECTION_NEGATIVE_CACHE_TTL),
                n.read(AuthKeys.INTROSPECTION_TIMEOUT),
                n.read(AuthKeys.INTROSPECTION_MAX_BYTES),
                n.existingFile(AuthKeys.INTROSPECTION_CA_FILE, baseDir),
                n.stringOrList(AuthKeys.INTROSPECTION_AUDIENCES));
        n.finish();
        return c;
    }

    /** See {@link FetchUrls}: https, or http to this machine only. */
    private static void checkFetchUrl(ConfigNode n, String key, URI uri) throws ConfigException {
        if (!FetchUrls.safeToFetch(uri)) {
            throw n.error(key, "must be an https:// URL (http:// only for localhost), got '" + uri + "'");
        }
    }

    private static String required(ConfigNode n, ConfigKey.TextKey key) throws ConfigException {
        String v = n.read(key);
        if (v == null) {
            throw n.error(key, "is required");
        }
        return v;
    }
}
