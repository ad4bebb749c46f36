package dev.authsidecar.reload;

import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.jwt.UnusableProvider;
import dev.authsidecar.config.AuthConfig;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.JwtProviderConfig;
import dev.authsidecar.config.RuleConfig;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.config.TlsConfig;
import dev.authsidecar.config.UpstreamConfig;
import dev.authsidecar.tls.TlsException;
import dev.authsidecar.tls.TlsMaterial;
import dev.authsidecar.tls.UpstreamTls;
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

    private ConfigCheck() {}

    /**
     * Loads and validates completely: reads the TLS files, builds the authenticate stage and closes it again. For
     * {@code check-config}; start-up uses {@link #load} and builds the authenticate stage it runs with through
     * {@link #authentication}, so its files are read once.
     */
    public static SidecarConfig check(ConfigSource source) throws ConfigException {
        SidecarConfig config = load(source);
        ScheduledExecutorService executor =
                Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("config-check", true));
        try {
            authentication(config.auth(), source.name(), executor).close();
        } finally {
            executor.shutdownNow();
        }
        return config;
    }

    /** Loads and validates everything but the files the authenticate stage reads: the file, its overrides, TLS. */
    public static SidecarConfig load(ConfigSource source) throws ConfigException {
        SidecarConfig config = source.load();
        try {
            if (config.server().tls() != null) {
                TlsMaterial.load(config.server().tls());
            }
            UpstreamTls.of(config.upstream());
        } catch (TlsException e) {
            throw new ConfigException(source.name(), e.keyPath(), e.getMessage());
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
        } catch (UnusableProvider e) {
            throw new ConfigException(source, providerPath(auth.jwtProviders(), e.provider()), e.reason());
        } catch (IOException e) {
            throw new ConfigException(source, "auth.introspection", e.getMessage());
        }
    }

    /** The key path of the provider's entry; names are unique (the loader refuses a repeated one). */
    private static String providerPath(List<JwtProviderConfig> providers, String name) {
        for (int i = 0; i < providers.size(); i++) {
            if (providers.get(i).name().equals(name)) {
                return "auth.jwt.providers[" + i + "]";
            }
        }
        return "auth.jwt";
    }

    /**
     * What is valid but probably not meant, for the start-up log, reloads and {@code check-config}. Nothing here
     * opens access: these configurations refuse more than their author may expect.
     */
    public static List<String> warnings(SidecarConfig c) {
        AuthConfig auth = c.auth();
        boolean clientCertificates =
                c.server().tls() != null && c.server().tls().clientAuth() != TlsConfig.ClientAuth.NONE;
        List<String> out = new java.util.ArrayList<>();
        if (auth.apiKeys().isEmpty()
                && auth.jwtProviders().isEmpty()
                && auth.introspection() == null
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

    /** {@code upstream.url}, and where gRPC calls go when {@code upstream.grpc.url} sends them elsewhere. */
    public static String upstreams(UpstreamConfig u) {
        return u.grpc() == null ? u.url().toString() : u.url() + " (gRPC: " + u.grpc() + " h2c)";
    }

    /** One line about what a configuration sets up, for check-config and the reload log. */
    public static String summary(SidecarConfig c) {
        return "listen " + c.server().listen() + " (admin " + c.admin().listen() + "), upstream "
                + upstreams(c.upstream())
                + ", " + c.auth().apiKeys().size() + " API key(s), "
                + c.auth().jwtProviders().size()
                + " JWT provider(s), introspection " + (c.auth().introspection() != null ? "on" : "off") + ", "
                + c.authorization().rules().size() + " rule(s) + "
                + c.auth().publicPaths().size()
                + " public path(s), default "
                + c.authorization().defaultRule().name().toLowerCase(Locale.ROOT);
    }
}
