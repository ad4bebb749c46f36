package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promises deploy/k8s makes, checked on the parsed manifests; the sidecar's own numbers (ports, drain
 * timing, public paths) come from the ConfigMap as the real config loader reads it, never from this test.
 */
class ManifestInvariantsTest {
    private static final Set<String> KUSTOMIZATION_KEYS = Set.of(
            "apiVersion",
            "kind",
            "resources",
            "namespace",
            "labels",
            "images",
            "patches",
            "namePrefix",
            "nameSuffix",
            "replicas",
            "components",
            "configMapGenerator",
            "secretGenerator",
            "generatorOptions");

    private static Manifests manifests;
    private static SidecarConfig config;

    @BeforeAll
    static void load(@TempDir Path tmp) throws Exception {
        manifests = Manifests.load();
        config = loadSidecarConfig(tmp, "- name: invariants\n  sha256: " + "ab".repeat(32) + "\n");
    }

    /** The ConfigMap's sidecar.yaml, read by the real loader from where the Pod mounts it, beside the keys. */
    private static SidecarConfig loadSidecarConfig(Path root, String keysYaml) throws IOException, ConfigException {
        PodFiles files = PodFiles.write(
                manifests,
                manifests.sidecar(),
                root,
                Map.of(manifests.apiKeysSecretName(), Map.of(manifests.apiKeysFileName(), keysYaml)));
        return ConfigLoader.load(Path.of(files.translate(manifests.sidecarConfigPath())), List.of());
    }

    private static int proxyPort() {
        return config.server().listen().port();
    }

    private static int adminPort() {
        return config.admin().listen().port();
    }

    private static int upstreamPort() {
        return config.upstream().url().getPort();
    }

    @Test
    void kustomizationAppliesEveryManifestButTheExampleSecret() throws IOException {
        JsonNode k = manifests.kustomization();
        assertThat(k.path("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1beta1");
        assertThat(k.path("kind").asText()).isEqualTo("Kustomization");
        List<String> keys = new ArrayList<>();
        k.fieldNames().forEachRemaining(keys::add);
        assertThat(keys)
                .as("kustomization.yaml keys (a typo here is silently ignored by nothing)")
                .allMatch(KUSTOMIZATION_KEYS::contains);

        Set<String> onDisk = new HashSet<>();
        try (Stream<Path> files = Files.list(manifests.dir())) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.endsWith(".example.yaml"))
                    .forEach(onDisk::add);
        }
        assertThat(manifests.applied().keySet())
                .as("resources in kustomization.yaml vs. manifests in deploy/k8s")
                .containsExactlyInAnyOrderElementsOf(onDisk);
        assertThat(manifests.applied())
                .as("credentials are never applied from the repository")
                .doesNotContainKey(Manifests.EXAMPLE_SECRET);
    }

    @Test
    void theSidecarIsANativeSidecarThatStartsBeforeTheApp() {
        Container sidecar = manifests.sidecar();
        assertThat(sidecar.getRestartPolicy())
                .as("an init container with restartPolicy Always is a sidecar")
                .isEqualTo("Always");
        assertThat(manifests.pod().getContainers())
                .extracting(Container::getName)
                .doesNotContain(Manifests.SIDECAR);
        // /readyz would wait for main-service, which starts only after this probe passes: never.
        assertHttpGet(sidecar.getStartupProbe(), "startupProbe", adminPort(), "/healthz");
    }

    @Test
    void theSidecarIsProbedOnItsAdminPort() {
        assertHttpGet(manifests.sidecar().getLivenessProbe(), "livenessProbe", adminPort(), "/healthz");
        assertHttpGet(manifests.sidecar().getReadinessProbe(), "readinessProbe", adminPort(), "/readyz");
    }

    @Test
    void theSidecarDeclaresTheConfiguredPortsAndListensOnThePodIp() throws IOException {
        assertThat(manifests.sidecar().getPorts())
                .extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("http", proxyPort()),
                        org.assertj.core.groups.Tuple.tuple("admin", adminPort()));
        // The Service and the kubelet connect to the Pod IP.
        assertThat(InetAddress.getByName(config.server().listen().host()).isAnyLocalAddress())
                .isTrue();
        assertThat(InetAddress.getByName(config.admin().listen().host()).isAnyLocalAddress())
                .isTrue();
    }

    @Test
    void mainServiceListensOnLoopbackOnlyWhereTheSidecarForwards() throws IOException {
        Container main = manifests.mainService();
        String listen = Manifests.argValue(main, "--listen")
                .orElseThrow(() ->
                        new AssertionError("main-service's args must say where it listens: --listen 127.0.0.1:PORT"));
        String host = listen.substring(0, listen.lastIndexOf(':'));
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        assertThat(InetAddress.getByName(host).isLoopbackAddress())
                .as("main-service's --listen host")
                .isTrue();
        assertThat(port)
                .as("main-service's port = the sidecar's upstream.url port")
                .isEqualTo(upstreamPort());
        assertThat(InetAddress.getByName(config.upstream().host()).isLoopbackAddress())
                .isTrue();
        // gRPC: its own loopback port, where the sidecar sends gRPC calls (upstream.grpc.url).
        String grpcListen = Manifests.argValue(main, "--grpc-listen")
                .orElseThrow(() -> new AssertionError(
                        "main-service's args must say where gRPC listens: --grpc-listen 127.0.0.1:PORT"));
        assertThat(InetAddress.getByName(grpcListen.substring(0, grpcListen.lastIndexOf(':')))
                        .isLoopbackAddress())
                .as("main-service's --grpc-listen host")
                .isTrue();
        assertThat(config.upstream().grpc())
                .as("the ConfigMap's upstream.grpc.url")
                .isNotNull();
        assertThat(Integer.parseInt(grpcListen.substring(grpcListen.lastIndexOf(':') + 1)))
                .as("main-service's gRPC port = the sidecar's upstream.grpc.url port")
                .isEqualTo(config.upstream().grpc().getPort());
        assertThat(InetAddress.getByName(config.upstream().grpc().getHost()).isLoopbackAddress())
                .isTrue();
        assertThat(main.getPorts())
                .as("main-service declares no port: nothing outside the Pod may use it")
                .isNullOrEmpty();
        // ManifestPodIT passes args, mounted files and the image's JVM options, not environment variables.
        for (Container c : manifests.allContainers()) {
            assertThat(c.getEnv())
                    .as(c.getName() + " env (extend ManifestPodIT before adding any)")
                    .isNullOrEmpty();
            assertThat(c.getEnvFrom()).as(c.getName() + " envFrom").isNullOrEmpty();
        }
    }

    @Test
    void theServiceExposesOnlyTheSidecarsProxyPort() {
        Service service = manifests.one(Service.class);
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getSelector()).isNotEmpty();
        assertThat(podLabels()).containsAllEntriesOf(service.getSpec().getSelector());
        List<ServicePort> ports = service.getSpec().getPorts();
        assertThat(ports).hasSize(1);
        ServicePort port = ports.get(0);
        assertThat(port.getName()).isEqualTo("http");
        assertThat(port.getProtocol()).isEqualTo("TCP");
        assertThat(port.getTargetPort().getIntVal())
                .as("targetPort, as a number (see service.yaml)")
                .isEqualTo(proxyPort());
    }

    @Test
    void mainServiceIsProbedThroughTheSidecarOnAPublicPath() {
        Probe readiness = manifests.mainService().getReadinessProbe();
        assertThat(readiness).as("main-service readinessProbe").isNotNull();
        assertThat(portOf(readiness.getHttpGet()))
                .as("the kubelet cannot reach 127.0.0.1; it goes through the sidecar")
                .isEqualTo(proxyPort());
        String path = readiness.getHttpGet().getPath();
        assertThat(config.auth().publicPaths())
                .as("without a credential the probe must be on a public path")
                .anyMatch(p ->
                        p.equals(path) || (p.endsWith("/**") && path.startsWith(p.substring(0, p.length() - 2))));
    }

    @Test
    void noProbeTargetsTheLoopbackOnlyPortOrNeedsAShell() {
        for (Container c : manifests.allContainers()) {
            for (Probe probe : probes(c)) {
                assertThat(probe.getExec())
                        .as(c.getName() + ": the images have no shell for exec probes")
                        .isNull();
                assertThat(probe.getGrpc()).isNull();
                if (probe.getHttpGet() != null) {
                    assertThat(probe.getHttpGet().getHost())
                            .as("probes go to the Pod IP")
                            .isNull();
                    assertThat(portOf(probe.getHttpGet())).isIn(proxyPort(), adminPort());
                }
                if (probe.getTcpSocket() != null) {
                    assertThat(probe.getTcpSocket().getPort().getIntVal()).isIn(proxyPort(), adminPort());
                }
            }
        }
    }

    @Test
    void everyContainerIsLockedDown() {
        PodSpec pod = manifests.pod();
        PodSecurityContext podLevel = pod.getSecurityContext();
        assertThat(pod.getAutomountServiceAccountToken())
                .as("automountServiceAccountToken")
                .isFalse();
        for (Container c : manifests.allContainers()) {
            SecurityContext sc = Objects.requireNonNull(c.getSecurityContext(), c.getName() + " securityContext");
            String n = c.getName() + " securityContext.";
            assertThat(first(sc.getRunAsNonRoot(), podLevel.getRunAsNonRoot()))
                    .as(n + "runAsNonRoot")
                    .isTrue();
            assertThat(first(sc.getRunAsUser(), podLevel.getRunAsUser()))
                    .as(n + "runAsUser")
                    .isPositive();
            assertThat(sc.getReadOnlyRootFilesystem())
                    .as(n + "readOnlyRootFilesystem")
                    .isTrue();
            assertThat(sc.getAllowPrivilegeEscalation())
                    .as(n + "allowPrivilegeEscalation")
                    .isFalse();
            assertThat(sc.getPrivileged()).as(n + "privileged").isNotEqualTo(Boolean.TRUE);
            assertThat(sc.getCapabilities().getDrop())
                    .as(n + "capabilities.drop")
                    .contains("ALL");
            assertThat(sc.getCapabilities().getAdd()).as(n + "capabilities.add").isNullOrEmpty();
            String seccomp = sc.getSeccompProfile() != null
                    ? sc.getSeccompProfile().getType()
                    : podLevel.getSeccompProfile() == null
                            ? null
                            : podLevel.getSeccompProfile().getType();
            assertThat(seccomp).as(n + "seccompProfile.type").isEqualTo("RuntimeDefault");
        }
    }

    @Test
    void everyContainerHasRequestsAndLimitsWithMemoryRequestEqualToItsLimit() {
        for (Container c : manifests.allContainers()) {
            Map<String, Quantity> requests = c.getResources().getRequests();
            Map<String, Quantity> limits = c.getResources().getLimits();
            assertThat(requests).as(c.getName() + " requests").containsKeys("cpu", "memory");
            assertThat(limits).as(c.getName() + " limits").containsKeys("cpu", "memory");
            // The JVM sizes itself from the limit; asking for less invites eviction under node pressure.
            assertThat(Quantity.getAmountInBytes(requests.get("memory")))
                    .as(c.getName() + " memory request = limit")
                    .isEqualByComparingTo(Quantity.getAmountInBytes(limits.get("memory")));
        }
    }

    @Test
    void everyContainerHasAWritableTmpOfItsOwn() {
        Set<String> tmpVolumes = new HashSet<>();
        for (Container c : manifests.allContainers()) {
            VolumeMount tmp = c.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals("/tmp"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(
                            c.getName() + ": the root filesystem is read-only and " + "the JVM needs a writable /tmp"));
            assertThat(volume(tmp.getName()).getEmptyDir())
                    .as(c.getName() + " /tmp is an emptyDir")
                    .isNotNull();
            assertThat(tmpVolumes.add(tmp.getName()))
                    .as("/tmp shared between containers: both JVMs are PID 1 and would clash in hsperfdata")
                    .isTrue();
        }
    }

    @Test
    void configAndKeysAreMountedReadOnlyAsWholeFolders() {
        String configPath = manifests.sidecarConfigPath();
        boolean configMounted = false;
        for (VolumeMount m : manifests.sidecar().getVolumeMounts()) {
            Volume v = volume(m.getName());
            if (v.getConfigMap() == null && v.getSecret() == null) {
                continue;
            }
            assertThat(m.getReadOnly()).as(m.getName() + " mounted readOnly").isTrue();
            assertThat(m.getSubPath())
                    .as(m.getName() + ": a subPath mount never sees updates")
                    .isNull();
            if (v.getConfigMap() != null && configPath.startsWith(m.getMountPath() + "/")) {
                String file = configPath.substring(m.getMountPath().length() + 1);
                assertThat(manifests
                                .configMap(v.getConfigMap().getName())
                                .orElseThrow()
                                .getData())
                        .containsKey(file);
                configMounted = true;
            }
            if (v.getSecret() != null) {
                assertThat(v.getSecret().getDefaultMode() & 0007)
                        .as("Secret files not readable by others")
                        .isZero();
                assertThat(manifests.pod().getSecurityContext().getFsGroup())
                        .as("fsGroup, so that the non-root user may read the 0440 files")
                        .isNotNull();
            }
        }
        assertThat(configMounted)
                .as("--config " + configPath + " is inside the ConfigMap's mount")
                .isTrue();
    }

    @Test
    void theGracePeriodCoversPreStopDrainAndTimeout() {
        long preStop = manifests.pod().getContainers().stream()
                .map(c -> c.getLifecycle() == null
                                || c.getLifecycle().getPreStop() == null
                                || c.getLifecycle().getPreStop().getSleep() == null
                        ? 0L
                        : c.getLifecycle().getPreStop().getSleep().getSeconds())
                .max(Long::compare)
                .orElse(0L);
        Duration sidecarStop =
                config.shutdown().drainDelay().plus(config.shutdown().timeout());
        long grace = manifests.pod().getTerminationGracePeriodSeconds();
        // The sidecar is signalled only after main-service has exited (preStop, then at most ~2 s to stop);
        // the rest is slack for that stop and for probe timing. Past the grace period the kubelet sends SIGKILL.
        assertThat(grace)
                .as("terminationGracePeriodSeconds vs. preStop " + preStop + " s + drainDelay + timeout "
                        + sidecarStop.toSeconds() + " s + 5 s")
                .isGreaterThanOrEqualTo(preStop + sidecarStop.toSeconds() + 5);
    }

    @Test
    void theNetworkPolicyAdmitsTheSidecarsProxyPortOnly() {
        NetworkPolicy policy = manifests.one(NetworkPolicy.class);
        assertThat(podLabels())
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        assertThat(rules).isNotEmpty();
        for (NetworkPolicyIngressRule rule : rules) {
            // A rule without ports admits every port.
            assertThat(rule.getPorts()).as("ports of every ingress rule").isNotEmpty();
            for (NetworkPolicyPort port : rule.getPorts()) {
                assertThat(port.getProtocol()).isEqualTo("TCP");
                assertThat(port.getPort().getIntVal()).as("admitted port").isEqualTo(proxyPort());
                assertThat(port.getEndPort()).isNull();
            }
        }
    }

    @Test
    void thePodDisruptionBudgetLetsDrainsProceedOnePodAtATime() {
        PodDisruptionBudget pdb = manifests.one(PodDisruptionBudget.class);
        assertThat(podLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        int replicas = manifests.deployment().getSpec().getReplicas();
        assertThat(replicas).as("replicas; with one, any eviction is an outage").isGreaterThanOrEqualTo(2);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal())
                .as("maxUnavailable")
                .isBetween(1, replicas - 1);
    }

    @Test
    void theConfigMapIsWhatTheSidecarLoads() {
        assertThat(config.auth().apiKeys())
                .as("keys read from the Secret's mount via auth.apiKeysFile")
                .hasSize(1);
        assertThat(config.shutdown().drainDelay()).isPositive();
    }

    @Test
    void theExampleSecretHasTheRightShapeButCannotBeDeployedAsItIs(@TempDir Path tmp) throws Exception {
        assertThat(manifests.exampleSecret().getMetadata().getName()).isEqualTo(manifests.apiKeysSecretName());
        String keys = manifests.exampleSecret().getStringData().get(manifests.apiKeysFileName());

        assertThatThrownBy(() -> loadSidecarConfig(tmp.resolve("as-is"), keys))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sha256");

        String filledIn = keys.replaceAll("sha256: \\S+", "sha256: " + "cd".repeat(32));
        assertThat(loadSidecarConfig(tmp.resolve("filled-in"), filledIn).auth().apiKeys())
                .hasSize(1);
    }

    @Test
    void theImagesAreTheOnesTheDockerfileBuildsAndAreLoadedNotPulled() throws IOException {
        Dockerfile dockerfile = Dockerfile.parse(Manifests.repoRoot().resolve("Dockerfile"));
        for (Container c : manifests.allContainers()) {
            String image = c.getImage();
            String repository = image.substring(0, image.lastIndexOf(':'));
            assertThat(dockerfile.stage(repository))
                    .as(c.getName() + " image " + image + " is built by `docker build --target " + repository + "`")
                    .isPresent();
            assertThat(Manifests.repoRoot().resolve(repository).resolve("pom.xml"))
                    .as("the target is named after the module whose jar it runs")
                    .isRegularFile();
            assertThat(image).doesNotEndWith(":latest");
            assertThat(c.getImagePullPolicy())
                    .as("images loaded into minikube/kind exist only on the node")
                    .isEqualTo("IfNotPresent");
        }
    }

    private static void assertHttpGet(Probe probe, String what, int port, String path) {
        assertThat(probe).as(what).isNotNull();
        assertThat(probe.getHttpGet()).as(what + ".httpGet").isNotNull();
        assertThat(portOf(probe.getHttpGet())).as(what + " port").isEqualTo(port);
        assertThat(probe.getHttpGet().getPath()).as(what + " path").isEqualTo(path);
    }

    private static int portOf(HTTPGetAction get) {
        IntOrString port = get.getPort();
        assertThat(port.getIntVal())
                .as("probe ports are numbers, as elsewhere in the manifests")
                .isNotNull();
        return port.getIntVal();
    }

    private static List<Probe> probes(Container c) {
        return Stream.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())
                .filter(Objects::nonNull)
                .toList();
    }

    private static Volume volume(String name) {
        return manifests.pod().getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Map<String, String> podLabels() {
        return manifests.deployment().getSpec().getTemplate().getMetadata().getLabels();
    }

    private static <T> T first(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }
}
