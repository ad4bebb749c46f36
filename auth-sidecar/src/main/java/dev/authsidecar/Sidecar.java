package dev.authsidecar;

import dev.authsidecar.accept.ProxyServer;
import dev.authsidecar.admin.AdminServer;
import dev.authsidecar.admin.Readiness;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import dev.authsidecar.config.HostPort;
import dev.authsidecar.config.ShutdownConfig;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.config.UpstreamConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.forward.Upstreams;
import dev.authsidecar.net.Transport;
import dev.authsidecar.net.TransportUnavailableException;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.record.AccessLog;
import dev.authsidecar.record.Metrics;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.reload.ConfigCheck;
import dev.authsidecar.reload.ConfigReloader;
import dev.authsidecar.reload.ConfigReloads;
import dev.authsidecar.reload.LiveStages;
import dev.authsidecar.reload.ReloadTiming;
import dev.authsidecar.tls.ServerTls;
import dev.authsidecar.tls.TlsException;
import dev.authsidecar.tls.UpstreamTls;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running sidecar: the proxy listener, the admin listener, and their orderly shutdown. */
public final class Sidecar implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

    private final SidecarConfig config;
    private final EventLoopGroup workers;
    private final EventLoopGroup adminGroup;
    private final ScheduledExecutorService authExecutor;
    private final LiveStages stages;
    private volatile ConfigReloader reloader;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final Readiness readiness;
    private final Recorder recorder;
    /** {@code null} when the listener speaks cleartext. */
    private final ServerTls tls;

    private final AtomicBoolean closed = new AtomicBoolean();

    private Sidecar(
            SidecarConfig config,
            EventLoopGroup workers,
            EventLoopGroup adminGroup,
            ScheduledExecutorService authExecutor,
            LiveStages stages,
            ProxyServer proxy,
            AdminServer admin,
            Readiness readiness,
            Recorder recorder,
            ServerTls tls) {
        this.recorder = recorder;
        this.tls = tls;
        this.config = config;
        this.workers = workers;
        this.adminGroup = adminGroup;
        this.authExecutor = authExecutor;
        this.stages = stages;
        this.proxy = proxy;
        this.admin = admin;
        this.readiness = readiness;
    }

    /** Starts from a configuration built in code; a file the authenticate stage cannot use is a start-up error. */
    public static Sidecar start(SidecarConfig config) throws StartupException {
        try {
            return start(config, "configuration");
        } catch (ConfigException e) {
            throw new StartupException(e.getMessage());
        }
    }

    /**
     * Starts serving. The authenticate stage is built here, once, from the files it names; {@code config} must be
     * valid otherwise ({@link ConfigCheck#load}).
     *
     * @param source names the configuration in the message when a file the authenticate stage reads (a key set,
     *     a secret, a CA bundle) cannot be used
     * @throws ConfigException when such a file cannot be used: an invalid configuration, like any other
     */
    public static Sidecar start(SidecarConfig config, String source) throws StartupException, ConfigException {
        Transport transport;
        try {
            transport = Transport.select(config.server().transport());
        } catch (TransportUnavailableException e) {
            throw new StartupException(e.getMessage());
        }
        InetSocketAddress upstream = resolve("upstream.url", config.upstream());
        UpstreamConfig grpcConfig = config.upstream().grpcUpstream();
        InetSocketAddress grpcUpstream = grpcConfig == null ? null : resolve("upstream.grpc.url", grpcConfig);
        List<InetSocketAddress> probed = grpcUpstream == null ? List.of(upstream) : List.of(upstream, grpcUpstream);
        int threads = config.server().ioThreads() == 0
                ? Runtime.getRuntime().availableProcessors()
                : config.server().ioThreads();
        EventLoopGroup workers = transport.newGroup(threads, "proxy");
        EventLoopGroup adminGroup = transport.newGroup(1, "admin");
        ScheduledExecutorService authExecutor =
                Executors.newScheduledThreadPool(2, new DefaultThreadFactory("auth-fetch", true));
        ProxyServer proxy = null;
        Authentication authentication = null;
        Recorder recorder =
                new Recorder(new Metrics(), new AccessLog(config.accessLog().format()));
        ConfigReloads reloads = new ConfigReloads();
        try {
            UpstreamPool pool =
                    new UpstreamPool(config.upstream(), upstream, transport, UpstreamTls.of(config.upstream()));
            Upstreams upstreams = new Upstreams(
                    pool,
                    grpcConfig == null
                            ? null
                            : new UpstreamPool(grpcConfig, grpcUpstream, transport, UpstreamTls.of(grpcConfig)));
            authentication = ConfigCheck.authentication(config.auth(), source, authExecutor);
            authentication.start();
            LiveStages stages = new LiveStages(Stages.of(config, authentication, upstreams), authExecutor, reloads);
            ServerTls tls = config.server().tls() == null
                    ? null
                    : ServerTls.start(config.server().tls(), recorder.metrics().registry());
            proxy = bindProxy(config, stages, workers, transport, recorder, tls);
            Readiness readiness = new Readiness(
                    proxy::isListening, () -> stages.get().authentication().keySets());
            recorder.metrics()
                    .bind(
                            proxy::openConnections,
                            stages::keySets,
                            stages::cacheHits,
                            stages::cacheMisses,
                            reloads::successes,
                            reloads::failures);
            AdminServer admin = bindAdmin(config, readiness, probed, adminGroup, transport, recorder.metrics());
            log.info(
                    "auth-sidecar listening on {} (admin {}), forwarding to {}, {} event loop(s), {} transport, "
                            + "{} API key(s), {} JWT provider(s), introspection {}, {} rule(s) + {} public path(s)",
                    bound(config.server().listen(), proxy.localAddress()),
                    bound(config.admin().listen(), admin.localAddress()),
                    ConfigCheck.upstreams(config.upstream()),
                    threads,
                    transport.key(),
                    config.auth().apiKeys().size(),
                    config.auth().jwtProviders().size(),
                    config.auth().introspection() != null ? "on" : "off",
                    config.authorization().rules().size(),
                    config.auth().publicPaths().size());
            ConfigCheck.warnings(config).forEach(w -> log.warn("{}", w));
            return new Sidecar(
                    config, workers, adminGroup, authExecutor, stages, proxy, admin, readiness, recorder, tls);
        } catch (TlsException e) {
            shutdownQuietly(proxy, authentication, workers, adminGroup, authExecutor);
            throw new StartupException(e.keyPath() + ": " + e.getMessage());
        } catch (StartupException | ConfigException | RuntimeException e) {
            shutdownQuietly(proxy, authentication, workers, adminGroup, authExecutor);
            throw e;
        }
    }

    private static void shutdownQuietly(
            ProxyServer proxy,
            Authentication authentication,
            EventLoopGroup workers,
            EventLoopGroup adminGroup,
            ScheduledExecutorService authExecutor) {
        if (proxy != null) {
            proxy.stopAccepting();
        }
        if (authentication != null) {
            authentication.close();
        }
        authExecutor.shutdownNow();
        workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        adminGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    }

    private static ProxyServer bindProxy(
            SidecarConfig config,
            Supplier<Stages> stages,
            EventLoopGroup workers,
            Transport transport,
            Recorder recorder,
            ServerTls tls)
            throws StartupException {
        try {
            return ProxyServer.bind(config.server(), stages::get, workers, transport, recorder, tls);
        } catch (Exception e) {
            throw StartupException.cannotListen(
                    "server.listen", config.server().listen().toString(), e);
        }
    }

    private static InetSocketAddress resolve(String key, UpstreamConfig upstream) throws StartupException {
        InetSocketAddress address = new InetSocketAddress(upstream.host(), upstream.port());
        if (address.isUnresolved()) {
            throw new StartupException(key + ": cannot resolve host '" + upstream.host() + "'");
        }
        return address;
    }

    private static AdminServer bindAdmin(
            SidecarConfig config,
            Readiness readiness,
            List<InetSocketAddress> upstreams,
            EventLoopGroup group,
            Transport transport,
            Metrics metrics)
            throws StartupException {
        try {
            return AdminServer.bind(config.admin(), readiness, upstreams, group, transport, metrics);
        } catch (Exception e) {
            throw StartupException.cannotListen(
                    "admin.listen", config.admin().listen().toString(), e);
        }
    }

    /** The address as configured, with the port actually bound (port 0 picks one). */
    private static HostPort bound(HostPort configured, InetSocketAddress actual) {
        return new HostPort(configured.host(), actual.getPort());
    }

    public InetSocketAddress proxyAddress() {
        return proxy.localAddress();
    }

    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /**
     * Applies changes to the configuration's files from now on, without a restart (see {@link ConfigReloader}).
     * Call once, right after {@link #start}, with the source {@code config} was loaded from.
     */
    public ConfigReloads watchConfig(ConfigSource source, ReloadTiming timing) {
        reloader = ConfigReloader.start(source, config, stages, tls, timing);
        return stages.reloads();
    }

    /**
     * The SIGTERM sequence: readiness turns 503 at once; the proxy keeps serving for the drain delay, so the
     * endpoints controller can take the Pod out of rotation; then it stops accepting, closes idle keep-alive
     * connections and gives in-flight requests until the timeout to finish.
     */
    public void shutdown() {
        ShutdownConfig s = config.shutdown();
        readiness.startDraining();
        log.info(
                "shutting down: readiness is 503, serving for {} ms more",
                s.drainDelay().toMillis());
        try {
            Thread.sleep(s.drainDelay().toMillis());
            proxy.stopAccepting();
            proxy.drainConnections();
            int open = proxy.openConnections();
            log.info(
                    "listener closed; waiting up to {} ms for {} connection(s)",
                    s.timeout().toMillis(),
                    open);
            if (!proxy.awaitConnectionsClosed(s.timeout())) {
                log.warn(
                        "{} connection(s) still open after {} ms; closing them",
                        proxy.openConnections(),
                        s.timeout().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        log.info("stopped");
    }

    /** Stops at once, without draining. Safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (reloader != null) {
            reloader.close();
        }
        readiness.startDraining();
        if (proxy.isListening()) {
            proxy.stopAccepting();
        }
        proxy.closeAllConnections();
        admin.close();
        recorder.close();
        stages.close();
        authExecutor.shutdownNow();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        adminGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
