package dev.authsidecar.config;

import io.netty.handler.ssl.OpenSsl;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Reads and checks {@code server.tls}. Everything that can be judged without reading the PEM files is judged here:
 * versions, suites, the client-certificate settings and that the files exist.
 */
final class TlsSection {
    /** TLS 1.3 suites of the JDK; all are AEAD with forward secrecy by construction. */
    static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    /** TLS 1.2: ECDHE key exchange (forward secrecy) with AEAD ciphers only, ECDSA before RSA. */
    static final List<String> TLS12_SUITES = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    /**
     * What an override may contain: the TLS 1.3 suites, and TLS 1.2 suites with an ephemeral (EC)DH key exchange
     * and an AEAD cipher. That refuses, among others, static-RSA key exchange (no forward secrecy), CBC (Lucky 13
     * and friends), RC4, 3DES, NULL, anonymous and export suites.
     */
    private static final Pattern STRONG_TLS12 = Pattern.compile(
            "TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA)_WITH_(AES_(128|256)_(GCM|CCM)|CHACHA20_POLY1305)_SHA(256|384)?");

    /** What {@code server.tls.provider} is when it is not set, as declared (and explained) in {@link ServerKeys}. */
    static final TlsConfig.Provider DEFAULT_PROVIDER = java.util.Arrays.stream(TlsConfig.Provider.values())
            .filter(p -> p.key().equals(ServerKeys.TLS_PROVIDER.fallback()))
            .findFirst()
            .orElseThrow();

    private TlsSection() {}

    /** @return the TLS settings, or {@code null} when the section is absent (the listener speaks cleartext) */
    /** @param http2 {@code server.http2.enabled}: whether ALPN offers {@code h2} */
    static TlsConfig read(ConfigNode parent, Path baseDir, boolean http2) throws ConfigException {
        ConfigNode n = parent.optionalChild(ServerKeys.TLS);
        if (n == null) {
            return null;
        }
        n.keys();
        Path cert = n.existingFile(ServerKeys.TLS_CERT_FILE, baseDir);
        Path key = n.existingFile(ServerKeys.TLS_KEY_FILE, baseDir);
        TlsConfig.Provider provider = provider(n);
        List<String> protocols = protocols(n);
        List<String> suites = cipherSuites(n, protocols, provider);
        Duration handshakeTimeout = n.read(ServerKeys.TLS_HANDSHAKE_TIMEOUT);
        Path ca = n.existingFile(ServerKeys.TLS_CLIENT_CA_FILE, baseDir);
        TlsConfig.ClientAuth clientAuth = clientAuth(n, ca);
        // Checked last, so that a bad value of another key (set by a variable, say) is reported as itself.
        if (cert == null || key == null) {
            throw n.error(
                    cert == null ? "certFile" : "keyFile",
                    "required when server.tls is set: PEM files of the serving certificate chain and its private key");
        }
        n.finish();
        return new TlsConfig(
                cert, key, protocols, suites, handshakeTimeout, ca, clientAuth, TlsConfig.alpn(http2), provider);
    }

    /**
     * The default is what bench/RESULTS.md measured as better for the image. {@code openssl} is checked here, at
     * load, so that a missing or unloadable native library stops start-up (and fails check-config) with its reason,
     * instead of the listener quietly running on the other provider.
     */
    private static TlsConfig.Provider provider(ConfigNode n) throws ConfigException {
        String text = n.read(ServerKeys.TLS_PROVIDER);
        for (TlsConfig.Provider p : TlsConfig.Provider.values()) {
            if (p.key().equals(text)) {
                if (p == TlsConfig.Provider.OPENSSL && !OpenSsl.isAvailable()) {
                    Throwable why = OpenSsl.unavailabilityCause();
                    throw n.error(
                            "provider",
                            "openssl needs netty-tcnative's BoringSSL library for this platform ("
                                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                                    + "), which did "
                                    + "not load: " + (why == null ? "unknown reason" : why.toString())
                                    + "; use provider: jdk");
                }
                return p;
            }
        }
        throw n.error("provider", "expected jdk or openssl, got '" + text + "'");
    }

    private static List<String> protocols(ConfigNode n) throws ConfigException {
        String min = n.read(ServerKeys.TLS_MIN_VERSION);
        return switch (min) {
            case "TLSv1.2" -> List.of("TLSv1.3", "TLSv1.2");
            case "TLSv1.3" -> List.of("TLSv1.3");
            case "TLSv1", "TLSv1.0", "TLSv1.1", "SSLv3" ->
                throw n.error(
                        "minVersion",
                        min
                                + " is refused: it is deprecated (RFC 8996) and lacks modern ciphers; use TLSv1.2 or TLSv1.3");
            default -> throw n.error("minVersion", "expected TLSv1.2 or TLSv1.3, got '" + min + "'");
        };
    }

    private static List<String> cipherSuites(ConfigNode n, List<String> protocols, TlsConfig.Provider provider)
            throws ConfigException {
        boolean tls12 = protocols.contains("TLSv1.2");
        if (!n.has(ServerKeys.TLS_CIPHER_SUITES)) {
            List<String> defaults = new ArrayList<>(TLS13_SUITES);
            if (tls12) {
                defaults.addAll(TLS12_SUITES);
            }
            defaults.retainAll(supported());
            return defaults;
        }
        List<String> given = n.strings(ServerKeys.TLS_CIPHER_SUITES);
        if (given.isEmpty()) {
            throw n.error("cipherSuites", "must not be empty; leave the key out for the safe default");
        }
        Set<String> supported = supported();
        Set<String> out = new LinkedHashSet<>();
        for (String s : given) {
            String suite = s.strip().toUpperCase(Locale.ROOT);
            if (!supported.contains(suite)) {
                throw n.error("cipherSuites", "'" + s + "' is not a cipher suite this JDK supports");
            }
            if (!TLS13_SUITES.contains(suite) && !STRONG_TLS12.matcher(suite).matches()) {
                throw n.error(
                        "cipherSuites",
                        "'" + s + "' is refused as weak: only TLS 1.3 suites and TLS 1.2 suites "
                                + "with (EC)DHE key exchange and AEAD ciphers (GCM, CCM, ChaCha20-Poly1305) are allowed");
            }
            if (provider == TlsConfig.Provider.OPENSSL && !OpenSsl.isCipherSuiteAvailable(suite)) {
                // BoringSSL has no finite-field DHE, for one; it would drop such a suite without a word.
                throw n.error(
                        "cipherSuites",
                        "'" + s + "' is not offered by BoringSSL (provider: openssl); remove it "
                                + "or set provider: jdk");
            }
            out.add(suite);
        }
        if (out.stream().noneMatch(TLS13_SUITES::contains)) {
            throw n.error(
                    "cipherSuites",
                    "lists no TLS 1.3 suite (" + String.join(", ", TLS13_SUITES)
                            + "): TLS 1.3 clients could not connect");
        }
        if (tls12 && out.stream().allMatch(TLS13_SUITES::contains)) {
            throw n.error(
                    "cipherSuites",
                    "lists no TLS 1.2 suite although minVersion is TLSv1.2; add one or set " + "minVersion: TLSv1.3");
        }
        return List.copyOf(out);
    }

    private static Set<String> supported() {
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    private static TlsConfig.ClientAuth clientAuth(ConfigNode n, Path ca) throws ConfigException {
        // With a CA and no word on clientAuth, require: a configured CA that verifies nothing would be a surprise.
        String text = n.read(ServerKeys.TLS_CLIENT_AUTH, ca == null ? "none" : "require");
        TlsConfig.ClientAuth mode = switch (text) {
            // YAML 1.1 reads a bare `off` or `no` as the boolean false.
            case "none", "false" -> TlsConfig.ClientAuth.NONE;
            case "optional" -> TlsConfig.ClientAuth.OPTIONAL;
            case "require" -> TlsConfig.ClientAuth.REQUIRE;
            default -> throw n.error("clientAuth", "expected none, optional or require, got '" + text + "'");
        };
        if (mode != TlsConfig.ClientAuth.NONE && ca == null) {
            throw n.error("clientAuth", text + " needs clientCaFile: the CA bundle that verifies client certificates");
        }
        if (mode == TlsConfig.ClientAuth.NONE && ca != null) {
            throw n.error(
                    "clientCaFile",
                    "is set but clientAuth is none, so no client certificate would be verified; "
                            + "set clientAuth to optional or require, or remove clientCaFile");
        }
        return mode;
    }
}
