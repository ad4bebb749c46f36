package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The strict reader must catch what fabric8 alone lets through: each case is the repository's own manifest with
 * one mistake put in, so the check is proven on the real files, at every depth where mistakes happen.
 */
class StrictYamlTest {

    static Stream<Arguments> typos() {
        return Stream.of(
                // the example the issue names, deep inside the Pod template
                Arguments.of(
                        "deployment.yaml",
                        Deployment.class,
                        "imagePullPolicy: IfNotPresent",
                        "imagePullPolicyy: IfNotPresent",
                        "imagePullPolicyy"),
                Arguments.of(
                        "deployment.yaml",
                        Deployment.class,
                        "readOnlyRootFilesystem: true",
                        "readOnlyRootFileSystem: true",
                        "readOnlyRootFileSystem"),
                Arguments.of(
                        "deployment.yaml",
                        Deployment.class,
                        "failureThreshold: 30",
                        "failureTreshold: 30",
                        "failureTreshold"),
                Arguments.of(
                        "deployment.yaml",
                        Deployment.class,
                        "terminationGracePeriodSeconds: 45",
                        "terminationGracePeriod: 45",
                        "terminationGracePeriod"),
                Arguments.of(
                        "deployment.yaml",
                        Deployment.class,
                        "  revisionHistoryLimit: 5",
                        "  revisionHistoryLimits: 5",
                        "revisionHistoryLimits"),
                Arguments.of("service.yaml", Service.class, "targetPort: 8081", "targetport: 8081", "targetport"),
                Arguments.of("networkpolicy.yaml", NetworkPolicy.class, "policyTypes:", "policyType:", "policyType"),
                Arguments.of(
                        "poddisruptionbudget.yaml",
                        PodDisruptionBudget.class,
                        "unhealthyPodEvictionPolicy:",
                        "unhealthyPodEviction:",
                        "unhealthyPodEviction"),
                Arguments.of("configmap.yaml", ConfigMap.class, "\ndata:", "\ndatas:", "datas"),
                Arguments.of("configmap.yaml", ConfigMap.class, "  labels:", "  lables:", "lables"));
    }

    @ParameterizedTest(name = "{4} in {0}")
    @MethodSource("typos")
    void aMisspelledFieldIsAnError(String file, Class<?> type, String correct, String typo, String name)
            throws IOException {
        String text =
                Files.readString(Manifests.repoRoot().resolve("deploy/k8s").resolve(file));
        assertThat(text).as("the original text to break").contains(correct);
        // The untouched file passes, so the failure below is the typo's doing.
        StrictYaml.bind(text, type, file);

        String broken = text.replaceFirst(Pattern.quote(correct), Matcher.quoteReplacement(typo));
        assertThatThrownBy(() -> StrictYaml.bind(broken, type, file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file)
                .hasMessageContaining(name);
    }

    @Test
    void aStringWhereANumberBelongsIsAnError() throws IOException {
        String text = Files.readString(Manifests.repoRoot().resolve("deploy/k8s/deployment.yaml"));
        String broken = text.replaceFirst("replicas: 2", "replicas: \"2\"");
        assertThatThrownBy(() -> StrictYaml.bind(broken, Deployment.class, "deployment.yaml"))
                .hasMessageContaining("deployment.yaml");
    }

    @Test
    void aDuplicateKeyIsAnError() {
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n";
        assertThatThrownBy(() -> StrictYaml.bind(yaml, ConfigMap.class, "dup.yaml"))
                .hasMessageContaining("dup.yaml")
                .hasMessageContaining("name");
    }

    @Test
    void theWrongKindForTheClassIsAnError() {
        String yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n";
        assertThatThrownBy(() -> StrictYaml.bind(yaml, ConfigMap.class, "kind.yaml"))
                .hasMessageContaining("kind.yaml")
                .hasMessageContaining("Secret");
    }
}
