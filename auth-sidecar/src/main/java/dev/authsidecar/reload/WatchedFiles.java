package dev.authsidecar.reload;

import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.config.JwtProviderConfig;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The files a configuration is made of, and fingerprints of their content. Content, not modification times:
 * Kubernetes swaps a whole folder behind a symlink, and the file names never change.
 */
final class WatchedFiles {

    private WatchedFiles() {}

    /**
     * The configuration file and every file the configuration names whose content is read when the stages are
     * built: the API-key file, each JWT provider's JWKS file, HMAC secret and CA bundle, and the introspection
     * client secret and CA bundle, and the listener's TLS certificate, key and client CA. Not {@code tokenFile},
     * which is re-read on every key fetch anyway (projected service-account tokens rotate hourly and must not
     * cause reloads).
     */
    static Set<Path> of(Path configFile, SidecarConfig config) {
        Set<Path> files = new LinkedHashSet<>();
        files.add(configFile.toAbsolutePath());
        addIfSet(files, config.auth().apiKeysFile());
        files.addAll(authFiles(config));
        files.addAll(tlsFiles(config));
        return files;
    }

    /** The listener's certificate, key and client CA: a change to them rotates the TLS material only. */
    static Set<Path> tlsFiles(SidecarConfig config) {
        Set<Path> files = new LinkedHashSet<>();
        TlsConfig tls = config.server().tls();
        if (tls != null) {
            addIfSet(files, tls.certFile());
            addIfSet(files, tls.keyFile());
            addIfSet(files, tls.clientCaFile());
        }
        return files;
    }

    /** The files read only when the authenticate stage is built (API keys are in the configuration itself). */
    static Set<Path> authFiles(SidecarConfig config) {
        Set<Path> files = new LinkedHashSet<>();
        for (JwtProviderConfig p : config.auth().jwtProviders()) {
            addIfSet(files, p.jwksFile());
            addIfSet(files, p.hmacSecretFile());
            addIfSet(files, p.caFile());
        }
        IntrospectionConfig i = config.auth().introspection();
        if (i != null) {
            addIfSet(files, i.clientSecretFile());
            addIfSet(files, i.caFile());
        }
        return files;
    }

    private static void addIfSet(Set<Path> files, Path p) {
        if (p != null) {
            files.add(p.toAbsolutePath());
        }
    }

    /** A fingerprint per file: the SHA-256 of its content (through symlinks), or why it cannot be read. */
    static Map<Path, String> fingerprints(Set<Path> files) {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path f : files) {
            out.put(f, fingerprint(f));
        }
        return out;
    }

    static String fingerprint(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
