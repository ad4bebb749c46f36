package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.RuleConfig;
import dev.authsidecar.config.TlsConfig;
import dev.authsidecar.tls.TlsException;
import dev.authsidecar.tls.TlsMaterial;
import dev.authsidecar.tls.UpstreamTls;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.JwtProviderConfig;
import dev.authsidecar.config.SidecarConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Everything start-up validates, in one place for start-up, {@code check-config} and reloads: the file with its
 * overrides, then the certificate files of both TLS ends, then the files the authenticate stage reads (JWKS,
 * HMAC secrets, CA bundles, the introspection client secret), so a short HMAC secret or a broken {@code jwksFile} is an invalid configuration like any
 * other, with the same message everywhere.
 */
public final class ConfigCheck {

    private ConfigCheck() {
    }

    /** Loads and validates completely: reads the TLS files, builds the authenticate stage and closes it again. */
    public static SidecarConfig check(ConfigSource source) throws ConfigException {
        SidecarConfig config = source.load();
        try {
            if (config.server().tls() != null) {
                TlsMaterial.load(config.server().tls());
            }
            UpstreamTls.of(config.upstream());
        } catch (TlsException e) {
            throw new ConfigException(source.name(), e.keyPath(), e.getMessage());
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("config-check", true));
        try {
            authentication(config.auth(), source.name(), executor).close();
        } finally {
            executor.shutdownNow();
        }
        return config;
    }

    /**
     * The authenticate stage for {@code auth}, not started.
     *
     * @param source named in the message when a file the stage reads cannot be used
     */
    public static Authentication authentication(AuthConfig auth, String source, ScheduledExecutorService executor)
            throws ConfigException {
        try {
            return new Authentication(auth, executor);
        } catch (IllegalArgumentException e) {
            throw providerError(auth.jwtProviders(), source, e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(source, "auth.introspection", e.getMessage());
        }
    }

    /** The JWT stage names the provider in its messages ("JWT provider 'x': …"); point at its entry instead. */
    private static ConfigException providerError(List<JwtProviderConfig> providers, String source, String message) {
        for (int i = 0; i < providers.size(); i++) {
            String prefix = "JWT provider '" + providers.get(i).name() + "': ";
            if (message != null && message.startsWith(prefix)) {
                return new ConfigException(source, "auth.jwt.providers[" + i + "]", message.substring(prefix.length()));
            }
        }
        return new ConfigException(source, "auth.jwt", String.valueOf(message));
    }

    /**
     * What is valid but probably not meant, for the start-up log, reloads and {@code check-config}. Nothing here
     * opens access: these configurations refuse more than their author may expect.
     */
    public static List<String> warnings(SidecarConfig c) {
        AuthConfig auth = c.auth();
        boolean clientCertificates = c.server().tls() != null
                && c.server().tls().clientAuth() != TlsConfig.ClientAuth.NONE;
        List<String> out = new java.util.ArrayList<>();
        if (auth.apiKeys().isEmpty() && auth.jwtProviders().isEmpty() && auth.introspection() == null
                && !clientCertificates) {
            out.add("no credential source is configured (no API keys, JWT providers, introspection or client "
                    + "certificates): every request that a public path or an anonymous rule does not let in will be "
                    + "refused with 401");
        }
        if (!clientCertificates) {
            List<RuleConfig> rules = c.authorization().rules();
            for (int i = 0; i < rules.size(); i++) {
                if (rules.get(i).authMethods().contains("mtls")) {
                    out.add("rules[" + i + "] (" + rules.get(i).path() + ") requires authMethods mtls, but the "
                            + "listener asks for no client certificate (server.tls.clientCaFile): every request it "
                            + "matches will be refused with 403");
                }
            }
        }
        return out;
    }

    /** One line about what a configuration sets up, for check-config and the reload log. */
    public static String summary(SidecarConfig c) {
        return "listen " + c.server().listen() + " (admin " + c.admin().listen() + "), upstream " + c.upstream().url()
                + ", " + c.auth().apiKeys().size() + " API key(s), " + c.auth().jwtProviders().size()
                + " JWT provider(s), introspection " + (c.auth().introspection() != null ? "on" : "off") + ", "
                + c.authorization().rules().size() + " rule(s) + " + c.auth().publicPaths().size()
                + " public path(s), default " + c.authorization().defaultRule().name().toLowerCase(Locale.ROOT);
    }
}
