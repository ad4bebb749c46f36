package dev.authsidecar.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes manifests of {@code deploy/k8s}, read strictly ({@link StrictYaml}): the resources that
 * {@code kustomization.yaml} applies, plus the example Secret, which it deliberately does not.
 */
public final class Manifests {
    public static final String SIDECAR = "auth-sidecar";
    public static final String MAIN = "main-service";
    public static final String EXAMPLE_SECRET = "secret-api-keys.example.yaml";

    /** The kinds this project ships; a new kind must be added here so that it is checked, not skipped. */
    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    private final Path dir;
    private final JsonNode kustomization;
    private final Map<String, Object> applied;
    private final Secret exampleSecret;

    private Manifests(Path dir, JsonNode kustomization, Map<String, Object> applied, Secret exampleSecret) {
        this.dir = dir;
        this.kustomization = kustomization;
        this.applied = applied;
        this.exampleSecret = exampleSecret;
    }

    public static Manifests load() {
        Path dir = repoRoot().resolve("deploy/k8s");
        JsonNode kustomization = single(dir.resolve("kustomization.yaml"));
        Map<String, Object> applied = new LinkedHashMap<>();
        for (JsonNode resource : kustomization.path("resources")) {
            applied.put(resource.asText(), read(dir.resolve(resource.asText())));
        }
        Object example = read(dir.resolve(EXAMPLE_SECRET));
        if (!(example instanceof Secret secret)) {
            throw new IllegalStateException(EXAMPLE_SECRET + " must hold a Secret");
        }
        return new Manifests(dir, kustomization, applied, secret);
    }

    /** The repository root: Surefire and Failsafe run in the module folder, but look upwards to be sure. */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("deploy"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (a folder with mvnw and deploy/) above "
                + Path.of("").toAbsolutePath());
    }

    /** Reads one manifest file strictly, choosing the model class from its apiVersion and kind. */
    public static Object read(Path file) {
        JsonNode doc = single(file);
        String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
        Class<?> type = KINDS.get(key);
        if (type == null) {
            throw new IllegalArgumentException(
                    file + ": " + key + " is not a kind this project checks; add it to " + "Manifests.KINDS");
        }
        return StrictYaml.bind(doc, type, file.toString());
    }

    private static JsonNode single(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<JsonNode> docs = StrictYaml.documents(text, file.toString());
        if (docs.size() != 1) {
            // One object per file keeps kustomization.yaml the list of what is applied.
            throw new IllegalArgumentException(file + ": expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    public Path dir() {
        return dir;
    }

    public JsonNode kustomization() {
        return kustomization;
    }

    /** File name → model object, for every resource kustomization.yaml applies. */
    public Map<String, Object> applied() {
        return applied;
    }

    public Secret exampleSecret() {
        return exampleSecret;
    }

    public <T> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new IllegalStateException(
                    "expected one " + type.getSimpleName() + " in " + dir + ", found " + found.size());
        }
        return found.get(0);
    }

    public <T> List<T> all(Class<T> type) {
        List<T> found = new ArrayList<>();
        for (Object o : applied.values()) {
            if (type.isInstance(o)) {
                found.add(type.cast(o));
            }
        }
        return found;
    }

    public Deployment deployment() {
        return one(Deployment.class);
    }

    public PodSpec pod() {
        return deployment().getSpec().getTemplate().getSpec();
    }

    /** The sidecar: an init container, by its name. */
    public Container sidecar() {
        return pod().getInitContainers().stream()
                .filter(c -> c.getName().equals(SIDECAR))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no init container named " + SIDECAR));
    }

    public Container mainService() {
        return pod().getContainers().stream()
                .filter(c -> c.getName().equals(MAIN))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no container named " + MAIN));
    }

    public List<Container> allContainers() {
        List<Container> all = new ArrayList<>(pod().getInitContainers());
        all.addAll(pod().getContainers());
        return all;
    }

    public Optional<ConfigMap> configMap(String name) {
        return all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(name))
                .findFirst();
    }

    /** The Secret the Pod mounts the API keys from (it is created by hand; see the example's comment). */
    public String apiKeysSecretName() {
        List<String> names = pod().getVolumes().stream()
                .filter(v -> v.getSecret() != null)
                .map(v -> v.getSecret().getSecretName())
                .toList();
        if (names.size() != 1) {
            throw new IllegalStateException("expected one Secret volume in the Pod, found " + names);
        }
        return names.get(0);
    }

    /** The file name inside that Secret, as the example spells it. */
    public String apiKeysFileName() {
        Map<String, String> data = exampleSecret.getStringData();
        if (data == null || data.size() != 1) {
            throw new IllegalStateException(EXAMPLE_SECRET + " must hold exactly one file in stringData");
        }
        return data.keySet().iterator().next();
    }

    /** The sidecar's --config path, as seen inside the container. */
    public String sidecarConfigPath() {
        return argValue(sidecar(), "--config")
                .orElseThrow(() ->
                        new IllegalStateException("the sidecar's args must name its configuration file with --config"));
    }

    /** The value following {@code flag} in the container's args, as in {@code ["--config", "/etc/…"]}. */
    public static Optional<String> argValue(Container container, String flag) {
        List<String> args = container.getArgs() == null ? List.of() : container.getArgs();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(flag) && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (args.get(i).startsWith(flag + "=")) {
                return Optional.of(args.get(i).substring(flag.length() + 1));
            }
        }
        return Optional.empty();
    }
}
