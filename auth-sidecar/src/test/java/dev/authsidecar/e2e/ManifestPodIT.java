package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.HostPort;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.deploy.Dockerfile;
import dev.authsidecar.deploy.Manifests;
import dev.authsidecar.deploy.PodFiles;
import dev.authsidecar.testing.FreePorts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pod of deploy/k8s, run as two processes the way the kubelet would run it, with everything taken from
 * the repository's own files so that the manifests, the images and the code cannot drift apart:
 * <ul>
 *   <li>args and ports from the Deployment; the sidecar's configuration from the ConfigMap, written where the
 *       Pod mounts it; an API-key file in the Secret's format and place (the real Secret is made by hand, so
 *       the test makes its own key);</li>
 *   <li>the JVM options of each Dockerfile's JAVA_TOOL_OPTIONS, and the Java modules limited to its jlink
 *       list, so a module the image lacks fails here rather than in a cluster;</li>
 *   <li>the native-sidecar order: the sidecar first, main-service only once the sidecar's startup probe passes;
 *       every probe of the manifest must then pass; on termination main-service stops first, then the sidecar,
 *       within terminationGracePeriodSeconds.</li>
 * </ul>
 * Both processes run as a Pod's do: in a network namespace of their own ({@link PodNetwork}), on the manifest's
 * own ports, reached from outside through the Pod IP; from there the test proves that the sidecar's port is
 * reachable and main-service's is not. Where no namespace can be made (not root, not Linux, no {@code ip}), it
 * says so and runs on ephemeral host ports instead, the manifest's ports mapped to them.
 */
@Timeout(150)
class ManifestPodIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Manifests.repoRoot();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path mounts;

    /** Where the Pod's ports are: the Pod IP with the manifest's ports, or loopback with ephemeral ones. */
    private record Where(Optional<PodNetwork> net, Map<Integer, Integer> ports) {
        String host() {
            return net.map(n -> n.podAddress().getHostAddress()).orElse("127.0.0.1");
        }

        int port(int manifestPort) {
            return ports.getOrDefault(manifestPort, manifestPort);
        }
    }

    @Test
    void thePodOfTheManifestsServesTheWalkThroughAndStopsInOrder() throws Exception {
        Manifests m = Manifests.load();
        String key = "sk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random(32));
        String subject = "manifest-pod-it";
        PodFiles sidecarFiles = PodFiles.write(
                m,
                m.sidecar(),
                mounts,
                Map.of(
                        m.apiKeysSecretName(),
                        Map.of(m.apiKeysFileName(), "- name: " + subject + "\n  sha256: " + sha256Hex(key) + "\n")));
        PodFiles mainFiles = PodFiles.write(m, m.mainService(), mounts, Map.of());

        SidecarConfig config = ConfigLoader.load(Path.of(sidecarFiles.translate(m.sidecarConfigPath())), List.of());
        HostPort listen = config.server().listen();
        HostPort admin = config.admin().listen();
        int upstreamPort = config.upstream().url().getPort();
        int grpcPort = config.upstream().grpc().getPort();
        Service service = m.one(Service.class);
        int servicePort = service.getSpec().getPorts().get(0).getTargetPort().getIntVal();

        Container sidecarSpec = m.sidecar();
        Container mainSpec = m.mainService();
        List<String> sidecarArgs = new ArrayList<>(sidecarFiles.translate(sidecarSpec.getArgs()));
        List<String> mainArgs = mainFiles.translate(mainSpec.getArgs());
        Optional<PodNetwork> net = PodNetwork.create("ManifestPodIT");
        Where where;
        Map<String, String> sidecarEnv = Map.of();
        if (net.isPresent()) {
            where = new Where(net, Map.of());
        } else {
            // Same hosts as the manifest, other ports: the flags beat the ConfigMap, as documented.
            where = new Where(
                    net,
                    Map.of(
                            listen.port(),
                            FreePorts.one(),
                            admin.port(),
                            FreePorts.one(),
                            upstreamPort,
                            FreePorts.one(),
                            grpcPort,
                            FreePorts.one()));
            sidecarArgs.addAll(List.of(
                    "--listen",
                    listen.host() + ":" + where.port(listen.port()),
                    "--admin-listen",
                    admin.host() + ":" + where.port(admin.port()),
                    "--upstream",
                    "http://127.0.0.1:" + where.port(upstreamPort)));
            // upstream.grpc.url has no flag: its variable beats the ConfigMap the same way.
            sidecarEnv = Map.of("AUTH_SIDECAR_UPSTREAM_GRPC_URL", "http://127.0.0.1:" + where.port(grpcPort));
            mainArgs = mainArgs.stream()
                    .map(a -> a.endsWith(":" + upstreamPort)
                            ? a.substring(0, a.lastIndexOf(':') + 1) + where.port(upstreamPort)
                            : a.endsWith(":" + grpcPort)
                                    ? a.substring(0, a.lastIndexOf(':') + 1) + where.port(grpcPort)
                                    : a)
                    .toList();
            System.out.println("ManifestPodIT: manifest ports mapped to " + where.ports());
        }

        try (AutoCloseable cleanup = () -> net.ifPresent(PodNetwork::close);
                JavaProcess sidecar = JavaProcess.start(
                        "sidecar.jar",
                        ImageRuntime.jvmArgs("auth-sidecar"),
                        sidecarArgs,
                        net.orElse(null),
                        sidecarEnv)) {
            await(where, sidecarSpec.getStartupProbe(), "auth-sidecar startupProbe", sidecar);
            sidecar.awaitOutput("auth-sidecar listening on", Duration.ofSeconds(5));
            // Why the startup probe is /healthz and not /readyz: main-service is not running yet.
            assertThat(status(where, sidecarSpec.getReadinessProbe()))
                    .as("sidecar readiness before main-service starts")
                    .isEqualTo(503);

            try (JavaProcess app = JavaProcess.start(
                    "main-service.jar", ImageRuntime.jvmArgs("main-service"), mainArgs, net.orElse(null))) {
                assertThat(app.awaitOutput("main-service listening on (\\S+)", Duration.ofSeconds(20)))
                        .isEqualTo("127.0.0.1:" + where.port(upstreamPort));
                await(where, sidecarSpec.getReadinessProbe(), "auth-sidecar readinessProbe", sidecar);
                await(where, sidecarSpec.getLivenessProbe(), "auth-sidecar livenessProbe", sidecar);
                await(where, mainSpec.getReadinessProbe(), "main-service readinessProbe (through the sidecar)", app);

                // The walk-through of docs/kubernetes.md, against the port the Service sends traffic to.
                String base = "http://" + where.host() + ":" + where.port(servicePort);
                HttpResponse<String> denied = get(base + "/ping", null);
                assertThat(denied.statusCode()).as("/ping without a token").isEqualTo(401);
                assertThat(denied.headers().firstValue("www-authenticate").orElse(""))
                        .startsWith("Bearer");

                HttpResponse<String> pong = get(base + "/ping", key);
                assertThat(pong.statusCode()).as("/ping with the token").isEqualTo(200);
                assertThat(JSON.readTree(pong.body())).isEqualTo(JSON.readTree("{\"message\":\"pong\"}"));

                JsonNode whoami = JSON.readTree(get(base + "/whoami", key).body());
                assertThat(whoami.path("X-Auth-Subject").asText()).isEqualTo(subject);

                // gRPC on the same Service port, to main-service's gRPC port (the ConfigMap's upstream.grpc.url).
                try (DemoGrpc grpc = new DemoGrpc(where.host(), where.port(servicePort))) {
                    assertThat(grpc.health(null))
                            .as("gRPC health without the token")
                            .isEqualTo("UNAUTHENTICATED");
                    assertThat(grpc.health(key))
                            .as("gRPC health with the token")
                            .isEqualTo("SERVING");
                    assertThat(grpc.say(key, "through the Pod")).isEqualTo("through the Pod");
                }

                if (net.isPresent()) {
                    // What the Pod's neighbours can reach at the Pod IP: the sidecar, and never the application.
                    InetAddress podIp = net.get().podAddress();
                    assertThat(connects(podIp, servicePort))
                            .as("the sidecar's port at the Pod IP")
                            .isTrue();
                    assertThat(connects(podIp, upstreamPort))
                            .as("main-service's port at the Pod IP")
                            .isFalse();
                    assertThat(connects(podIp, grpcPort))
                            .as("main-service's gRPC port at the Pod IP")
                            .isFalse();
                } else {
                    System.out.println("ManifestPodIT: without a namespace, main-service's port cannot be shown "
                            + "unreachable from outside the Pod (it shares this machine's loopback)");
                }

                // Pod deletion: the kubelet stops the main container first (after its preStop sleep, which only
                // waits for the endpoints to update), and a native sidecar only once it has exited.
                assertThat(app.terminate(Duration.ofSeconds(15)))
                        .as("main-service exit code after SIGTERM")
                        .isZero();
            }
            assertThat(status(where, sidecarSpec.getReadinessProbe()))
                    .as("sidecar readiness once main-service is gone")
                    .isEqualTo(503);

            long grace = m.pod().getTerminationGracePeriodSeconds();
            long started = System.nanoTime();
            assertThat(sidecar.terminate(Duration.ofSeconds(grace)))
                    .as("sidecar exit code after SIGTERM")
                    .isZero();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took)
                    .as("the sidecar drains for drainDelay, then stops")
                    .isGreaterThanOrEqualTo(config.shutdown().drainDelay());
            assertThat(sidecar.output()).contains("stopped");
        }
    }

    @Test
    void theImagesCopyTheJarsThisBuildProduced() throws IOException {
        for (String module : List.of("auth-sidecar", "main-service")) {
            Dockerfile df = Dockerfile.image(ROOT, module);
            Dockerfile.Copy jar = df.copies(df.finalStage()).stream()
                    .filter(c -> c.from() != null && c.sources().get(0).endsWith(".jar"))
                    .findFirst()
                    .orElseThrow();
            String workdir = df.workdir(df.stage(jar.from()).orElseThrow()).orElseThrow();
            String source = jar.sources().get(0);
            assertThat(source).startsWith(workdir + "/");
            Path built = ROOT.resolve(source.substring(workdir.length() + 1));
            assertThat(built)
                    .as(df.path() + " copies " + source + ", which `package` must have produced")
                    .isRegularFile();
            String property = module.equals("auth-sidecar") ? "sidecar.jar" : "main-service.jar";
            assertThat(Path.of(System.getProperty(property)).toRealPath())
                    .as("the jar these tests run")
                    .isEqualTo(built.toRealPath());
        }
    }

    /** Polls a probe as the kubelet would, until it answers 200 or its failure budget is spent. */
    private void await(Where where, Probe probe, String what, JavaProcess process) throws Exception {
        assertThat(probe).as(what).isNotNull();
        int period = probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
        int failures = probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold();
        // At least 20 s: a busy build machine starts a JVM more slowly than a node does.
        long deadline = System.nanoTime()
                + Duration.ofSeconds(Math.max(20, period * failures)).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(where, probe);
            if (last == 200) {
                return;
            }
            Thread.sleep(100);
        }
        fail(what + " never answered 200 (last: " + last + "); process output:\n" + process.output());
    }

    /** The probe's HTTP status, or -1 when nothing answers; the kubelet connects to the Pod IP. */
    private int status(Where where, Probe probe) throws InterruptedException {
        int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
        URI uri = URI.create("http://" + where.host() + ":"
                + where.port(probe.getHttpGet().getPort().getIntVal())
                + probe.getHttpGet().getPath());
        try {
            return client.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(timeout))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A TCP connect from outside the Pod: true if accepted, false if refused or unanswered. */
    private static boolean connects(InetAddress host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String sha256Hex(String key) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII)));
    }
}
