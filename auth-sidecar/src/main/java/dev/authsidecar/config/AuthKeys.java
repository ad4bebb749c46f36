package dev.authsidecar.config;

import static dev.authsidecar.config.ConfigKey.Reload.APPLIED;

import dev.authsidecar.config.ConfigKey.BoolKey;
import dev.authsidecar.config.ConfigKey.DurationKey;
import dev.authsidecar.config.ConfigKey.IntKey;
import dev.authsidecar.config.ConfigKey.Structure;
import dev.authsidecar.config.ConfigKey.TextKey;
import java.time.Duration;
import java.util.List;

/**
 * The keys of {@code auth}: the credentials the sidecar accepts and what it tells the application. A reload
 * applies all of them (the authenticate stage is rebuilt).
 */
final class AuthKeys {
    private static final Declarations D = new Declarations();
    private static final Duration MS = Duration.ofMillis(1);

    static final Structure AUTH = D.section(
            "auth", APPLIED, "who the caller is: API keys, JWT providers, introspection, client certificates");
    static final Structure API_KEYS = D.mappings("auth.apiKeys", APPLIED, "API keys, stored as SHA-256 only");
    static final TextKey API_KEY_NAME = D.text(
            "auth.apiKeys[].name",
            "name",
            null,
            APPLIED,
            "required; 1 to 128 of A-Z a-z 0-9 . _ @ : + -, sent to the application as X-Auth-Subject");
    static final TextKey API_KEY_SHA256 = D.text(
            "auth.apiKeys[].sha256",
            "64 hex digits",
            null,
            APPLIED,
            "required; the key's SHA-256, printed by gen-key or hash-key");
    static final TextKey API_KEYS_FILE = D.text(
            "auth.apiKeysFile",
            "file",
            null,
            APPLIED,
            "a YAML list of more apiKeys entries, relative to the config file; watched");
    static final Structure PUBLIC_PATHS = D.texts(
            "auth.publicPaths",
            "[]",
            APPLIED,
            "paths that need no credential, before every rule: exact, or a prefix ending in /**");
    static final BoolKey FORWARD_CREDENTIAL =
            D.bool("auth.forwardCredential", false, APPLIED, "pass the Authorization header on to the application");

    static final Structure JWT = D.section("auth.jwt", APPLIED, "JSON Web Tokens");
    static final IntKey JWT_MAX_TOKEN_BYTES = D.integer(
            "auth.jwt.maxTokenBytes", 8192, 256, 65536, APPLIED, "longer bearer tokens are refused before any parsing");
    static final Structure PROVIDERS =
            D.mappings("auth.jwt.providers", APPLIED, "trusted issuers, chosen by the token's iss");
    static final TextKey PROVIDER_NAME = D.text(
            "auth.jwt.providers[].name",
            "text",
            null,
            APPLIED,
            "required and unique; names the provider in logs and metrics");
    static final TextKey PROVIDER_ISSUER = D.text(
            "auth.jwt.providers[].issuer",
            "text",
            null,
            APPLIED,
            "required; the token's iss, and the base of OpenID discovery without jwksUri or jwksFile");
    static final Structure PROVIDER_AUDIENCES = D.textOrTexts(
            "auth.jwt.providers[].audiences", "", APPLIED, "required; the token's aud must contain one of these");
    static final TextKey PROVIDER_JWKS_URI = D.text(
            "auth.jwt.providers[].jwksUri",
            "URL",
            null,
            APPLIED,
            "where the key set is fetched (https, or http to localhost)");
    static final TextKey PROVIDER_JWKS_FILE = D.text(
            "auth.jwt.providers[].jwksFile", "file", null, APPLIED, "a local key set instead of jwksUri; watched");
    static final TextKey PROVIDER_HMAC_SECRET_FILE = D.text(
            "auth.jwt.providers[].hmacSecretFile",
            "file",
            null,
            APPLIED,
            "shared secret for HS256/384/512, which are never accepted without it");
    static final Structure PROVIDER_ALGORITHMS = D.textOrTexts(
            "auth.jwt.providers[].algorithms",
            "[RS256, PS256, ES256], or [HS256] with hmacSecretFile",
            APPLIED,
            "accepted alg values");
    static final DurationKey PROVIDER_CLOCK_SKEW = D.duration(
            "auth.jwt.providers[].clockSkew",
            Duration.ofSeconds(60),
            Duration.ZERO,
            Duration.ofMinutes(10),
            APPLIED,
            "tolerated clock difference for exp, nbf and iat");
    static final Structure PROVIDER_REQUIRED_CLAIMS = D.texts(
            "auth.jwt.providers[].requiredClaims", "[]", APPLIED, "claims that must be present (exp always is)");
    static final Structure PROVIDER_KEYS =
            D.section("auth.jwt.providers[].keys", APPLIED, "how long fetched keys are used");
    static final DurationKey KEYS_TTL = D.duration(
            "auth.jwt.providers[].keys.ttl",
            Duration.ofMinutes(5),
            Duration.ofSeconds(1),
            Duration.ofDays(1),
            APPLIED,
            "a fetched key set is refreshed after this");
    static final DurationKey KEYS_MAX_STALE = D.duration(
            "auth.jwt.providers[].keys.maxStale",
            Duration.ofHours(24),
            Duration.ZERO,
            Duration.ofDays(30),
            APPLIED,
            "the last good key set is still used this long while the issuer cannot be reached");
    static final DurationKey KEYS_UNKNOWN_KID_INTERVAL = D.duration(
            "auth.jwt.providers[].keys.unknownKidInterval",
            Duration.ofSeconds(30),
            Duration.ZERO,
            Duration.ofHours(1),
            APPLIED,
            "at most one refetch per interval for tokens naming a key not in the set");
    static final Structure PROVIDER_FETCH =
            D.section("auth.jwt.providers[].fetch", APPLIED, "how the key set and discovery document are fetched");
    static final DurationKey FETCH_CONNECT_TIMEOUT = D.duration(
            "auth.jwt.providers[].fetch.connectTimeout",
            Duration.ofSeconds(2),
            MS,
            Duration.ofMinutes(1),
            APPLIED,
            "connect timeout of a fetch");
    static final DurationKey FETCH_READ_TIMEOUT = D.duration(
            "auth.jwt.providers[].fetch.readTimeout",
            Duration.ofSeconds(5),
            MS,
            Duration.ofMinutes(5),
            APPLIED,
            "timeout for the whole response of a fetch");
    static final IntKey FETCH_MAX_BYTES = D.integer(
            "auth.jwt.providers[].fetch.maxBytes", 1 << 20, 1024, 64 << 20, APPLIED, "a larger response is refused");
    static final TextKey FETCH_CA_FILE = D.text(
            "auth.jwt.providers[].fetch.caFile",
            "file",
            null,
            APPLIED,
            "PEM bundle trusted for the fetch (the cluster CA, say) instead of the JDK's trust store");
    static final TextKey FETCH_TOKEN_FILE = D.text(
            "auth.jwt.providers[].fetch.tokenFile",
            "file",
            null,
            APPLIED,
            "bearer token sent with the fetch, re-read each time (projected service-account tokens rotate)");

    static final Structure INTROSPECTION = D.section(
            "auth.introspection", APPLIED, "RFC 7662 token introspection, for opaque tokens; off when absent");
    static final TextKey INTROSPECTION_ENDPOINT = D.text(
            "auth.introspection.endpoint",
            "URL",
            null,
            APPLIED,
            "required; the introspection URL (https, or http to localhost)");
    static final TextKey INTROSPECTION_CLIENT_ID = D.text(
            "auth.introspection.clientId", "text", null, APPLIED, "required; the sidecar's client id at the endpoint");
    static final TextKey INTROSPECTION_CLIENT_SECRET_FILE = D.text(
            "auth.introspection.clientSecretFile", "file", null, APPLIED, "required; file holding the client secret");
    static final DurationKey INTROSPECTION_CACHE_TTL = D.duration(
            "auth.introspection.cacheTtl",
            Duration.ofMinutes(5),
            Duration.ZERO,
            Duration.ofDays(1),
            APPLIED,
            "longest reuse of an active answer, never past the token's exp");
    static final DurationKey INTROSPECTION_NEGATIVE_CACHE_TTL = D.duration(
            "auth.introspection.negativeCacheTtl",
            Duration.ofSeconds(10),
            Duration.ZERO,
            Duration.ofHours(1),
            APPLIED,
            "how long an inactive answer is remembered, so a bad token cannot flood the endpoint");
    static final DurationKey INTROSPECTION_TIMEOUT = D.duration(
            "auth.introspection.timeout",
            Duration.ofSeconds(3),
            MS,
            Duration.ofMinutes(1),
            APPLIED,
            "for the whole call; a slow or failed endpoint is answered 503");
    static final IntKey INTROSPECTION_MAX_BYTES =
            D.integer("auth.introspection.maxBytes", 64 * 1024, 1024, 16 << 20, APPLIED, "a larger answer is refused");
    static final TextKey INTROSPECTION_CA_FILE = D.text(
            "auth.introspection.caFile",
            "file",
            null,
            APPLIED,
            "PEM bundle trusted for the endpoint instead of the JDK's trust store");
    static final Structure INTROSPECTION_AUDIENCES = D.textOrTexts(
            "auth.introspection.audiences", "[]", APPLIED, "when set, an active answer's aud must name one of these");

    static final Structure CACHE = D.section("auth.cache", APPLIED, "the cache of verified credentials");
    static final IntKey CACHE_MAX_ENTRIES =
            D.integer("auth.cache.maxEntries", 10_000, 0, 10_000_000, APPLIED, "verified tokens kept");
    static final Structure CLAIM_HEADERS = D.namedTexts(
            "auth.claimHeaders", APPLIED, "extra headers for the application: X-Auth-… header name → claim name");
    static final TextKey PAYLOAD_HEADER = D.text(
            "auth.payloadHeader",
            "header name",
            null,
            APPLIED,
            "an X-Auth-… header carrying the verified claims as base64url JSON");
    static final BoolKey CLOSE_TUNNELS_AT_EXPIRY = D.bool(
            "auth.closeTunnelsAtExpiry",
            true,
            APPLIED,
            "close a WebSocket tunnel when the credential that opened it expires");
    static final Structure MTLS = D.section(
            "auth.mtls", APPLIED, "what a verified client certificate (server.tls.clientAuth) tells the application");
    static final TextKey MTLS_SUBJECT_FROM = D.text(
            "auth.mtls.subjectFrom",
            "uri-san | dns-san | subject-cn",
            "uri-san",
            APPLIED,
            "the certificate field that becomes X-Auth-Subject");
    static final BoolKey MTLS_FORWARD_CLIENT_CERT = D.bool(
            "auth.mtls.forwardClientCert",
            false,
            APPLIED,
            "pass the verified certificate's details on in X-Forwarded-Client-Cert");

    private AuthKeys() {}

    static List<ConfigKey> all() {
        return D.keys();
    }
}
