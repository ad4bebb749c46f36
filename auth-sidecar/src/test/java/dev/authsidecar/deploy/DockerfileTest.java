package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.deploy.Dockerfile.Copy;
import dev.authsidecar.deploy.Dockerfile.Stage;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;

/**
 * No container engine runs where the tests run, so the Dockerfiles cannot be built here. This keeps them
 * honest instead: what they copy exists and is sent in the build context, the jar they run is the one Maven
 * builds, the ports are the programs' defaults, the user is the Deployment's, and the final image holds a
 * runtime, a jar and nothing to build with. (That the jar exists after {@code package} is checked by
 * ManifestPodIT, which runs after it; here, in the test phase, the check is against the POM's finalName.)
 */
class DockerfileTest {
    private static final Path ROOT = Manifests.repoRoot();

    record Image(String module, List<Integer> defaultPorts) {
        Dockerfile dockerfile() throws IOException {
            return Dockerfile.parse(ROOT.resolve(module).resolve("Dockerfile"));
        }

        @Override
        public String toString() {
            return module;
        }
    }

    static Stream<Image> images() throws Exception {
        SidecarConfig defaults = ConfigLoader.defaults();
        return Stream.of(
                new Image("auth-sidecar", List.of(defaults.server().listen().port(), defaults.admin().listen().port())),
                new Image("main-service", List.of(mainServiceDefaultPort())));
    }

    /** main-service is not on this module's class path; its default is read from its source. */
    private static int mainServiceDefaultPort() throws IOException {
        Path cli = ROOT.resolve("main-service/src/main/java/dev/authsidecar/mainservice/Cli.java");
        Matcher m = Pattern.compile("DEFAULT_LISTEN\\s*=\\s*\"[^\"]*:(\\d+)\"").matcher(Files.readString(cli));
        if (!m.find()) {
            throw new AssertionError(cli + " no longer declares DEFAULT_LISTEN = \"HOST:PORT\"; update this test");
        }
        return Integer.parseInt(m.group(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void everyCopyFromTheBuildContextExistsAndIsNotDockerignored(Image image) throws IOException {
        DockerIgnore ignore = DockerIgnore.read(ROOT.resolve(".dockerignore"));
        Dockerfile df = image.dockerfile();
        for (Stage stage : df.stages()) {
            for (Copy copy : df.copies(stage)) {
                if (copy.from() != null) {
                    continue;
                }
                for (String source : copy.sources()) {
                    String where = df.path() + ":" + copy.at().line() + ": COPY " + source;
                    assertThat(source).as(where + " (no wildcards, so that this check means something)")
                            .doesNotContain("*", "?", "$");
                    Path p = ROOT.resolve(source);
                    assertThat(p).as(where + " (the build context is the repository root)").exists();
                    for (String file : filesUnder(p)) {
                        assertThat(ignore.isIgnored(file)).as(where + ": " + file + " is excluded by .dockerignore")
                                .isFalse();
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void copiesFromOtherStagesNameEarlierStages(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        List<String> earlier = new ArrayList<>();
        for (Stage stage : df.stages()) {
            for (Copy copy : df.copies(stage)) {
                if (copy.from() != null) {
                    assertThat(earlier).as(df.path() + ":" + copy.at().line() + " COPY --from=" + copy.from())
                            .contains(copy.from());
                }
            }
            if (stage.name() != null) {
                earlier.add(stage.name());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void theImageRunsTheJarMavenBuildsForItsModuleOnTheJlinkRuntime(Image image) throws Exception {
        Dockerfile df = image.dockerfile();
        Copy jar = jarCopy(df);
        Stage build = df.stage(jar.from()).orElseThrow();
        String expected = df.workdir(build).orElseThrow() + "/" + image.module() + "/target/"
                + finalName(image.module()) + ".jar";
        assertThat(jar.sources()).as("the jar the Maven build writes (the module POM's finalName)")
                .containsExactly(expected);
        String mavenRun = build.all("RUN").stream().map(Dockerfile.Instruction::arguments)
                .filter(a -> a.contains("mvnw")).findFirst().orElseThrow();
        assertThat(mavenRun).contains("-pl " + image.module()).contains("package");
        assertThat(df.copies(build)).as("the build stage copies the module's sources")
                .anySatisfy(c -> assertThat(c.sources()).contains(image.module() + "/src/main/"));

        Copy runtime = runtimeCopy(df);
        assertThat(df.entrypoint()).as("ENTRYPOINT").containsExactly(
                runtime.destination() + "/bin/java", "-jar", jar.destination());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void exposedPortsAreTheProgramsDefaults(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        assertThat(df.exposedPorts(df.finalStage())).as(df.path() + ": EXPOSE vs. the program's default ports")
                .containsExactlyInAnyOrderElementsOf(image.defaultPorts());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void runsAsTheNumericNonRootUserTheDeploymentRunsItAs(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        String user = df.user(df.finalStage()).orElseThrow(() -> new AssertionError(df.path() + ": no USER"));
        assertThat(user).as("USER: numeric, so that Kubernetes can verify runAsNonRoot").matches("\\d+(:\\d+)?");
        long uid = Long.parseLong(user.split(":")[0]);
        assertThat(uid).as("USER uid").isPositive();

        Manifests manifests = Manifests.load();
        Container container = manifests.allContainers().stream()
                .filter(c -> c.getImage().startsWith(image.module() + ":")).findFirst().orElseThrow();
        Long runAsUser = container.getSecurityContext().getRunAsUser() != null
                ? container.getSecurityContext().getRunAsUser() : manifests.pod().getSecurityContext().getRunAsUser();
        assertThat(runAsUser).as(container.getName() + " runAsUser = the image's USER").isEqualTo(uid);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void theFinalStageHoldsARuntimeAndAJarAndNothingToBuildWith(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        Stage last = df.finalStage();
        assertThat(last.image().toLowerCase(Locale.ROOT)).as("final base image")
                .doesNotContain("jdk", "maven", "gradle").isNotIn(namesOf(df));
        // The base has no shell, so a RUN would fail anyway; and nothing may be installed after the fact.
        assertThat(last.all("RUN")).as("RUN in the final stage").isEmpty();
        assertThat(df.copies(last)).as("the final stage copies build results only, never the context")
                .allSatisfy(c -> assertThat(c.from()).isNotNull());
        Copy runtime = runtimeCopy(df);
        assertThat(runtime.sources()).as("the runtime copied is jlink's output, not the JDK")
                .containsExactly(df.jlinkOption("--output").orElseThrow());
        assertThat(df.copies(last)).as("runtime and jar only").hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void jvmOptionsAreSetInOnePlace(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        long definitions = df.stages().stream().flatMap(s -> s.all("ENV").stream())
                .filter(e -> e.arguments().matches("(?s).*\\b(JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)\\b.*"))
                .count();
        assertThat(definitions).as("ENV lines setting JVM options").isEqualTo(1);
        assertThat(df.javaToolOptions()).as("JAVA_TOOL_OPTIONS").isNotEmpty()
                .allMatch(o -> o.startsWith("-"), "each is an option");
        assertThat(df.entrypoint()).as("no JVM options in the ENTRYPOINT: they live in JAVA_TOOL_OPTIONS")
                .filteredOn(a -> a.startsWith("-")).containsExactly("-jar");
        assertThat(df.jlinkModules()).contains("java.base");
    }

    /** What bench/RESULTS.md reports is measured with the options the image runs, not with a tuned copy. */
    @Test
    void theSidecarImageRunsTheJvmOptionsTheBenchmarkMeasures() throws IOException {
        String script = Files.readString(ROOT.resolve("bench/run.sh"));
        Matcher m = Pattern.compile("(?m)^SIDECAR_JVM_FLAGS=\"\\$\\{SIDECAR_JVM_FLAGS:-([^}]*)}\"$").matcher(script);
        assertThat(m.find()).as("bench/run.sh sets its default SIDECAR_JVM_FLAGS").isTrue();
        List<String> bench = List.of(m.group(1).strip().split("\\s+"));

        assertThat(Dockerfile.parse(ROOT.resolve("auth-sidecar/Dockerfile")).javaToolOptions())
                .containsExactlyElementsOf(bench)
                .contains("-XX:+UseSerialGC", "-XX:FreqInlineSize=100", "-XX:+ExitOnOutOfMemoryError");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void buildKitFeaturesAreDeclared(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        boolean mounts = df.stages().stream().flatMap(s -> s.all("RUN").stream())
                .anyMatch(r -> r.arguments().startsWith("--mount"));
        if (mounts) {
            assertThat(Files.readAllLines(df.path()).get(0)).as("RUN --mount needs BuildKit's syntax directive")
                    .isEqualTo("# syntax=docker/dockerfile:1");
        }
    }

    @Test
    void theBuildContextSendsSourcesButNeverBuildOutputOrGit() throws IOException {
        DockerIgnore ignore = DockerIgnore.read(ROOT.resolve(".dockerignore"));
        assertThat(ignore.isIgnored("auth-sidecar/target/auth-sidecar.jar")).isTrue();
        assertThat(ignore.isIgnored("main-service/target/classes/x.class")).isTrue();
        assertThat(ignore.isIgnored(".git/HEAD")).isTrue();
        assertThat(ignore.isIgnored("deploy/k8s/deployment.yaml")).isTrue();
        assertThat(ignore.isIgnored("auth-sidecar/src/test/java/Foo.java")).isTrue();
        assertThat(ignore.isIgnored("auth-sidecar/src/main/resources/META-INF/services/x")).isFalse();
        assertThat(ignore.isIgnored("mvnw")).isFalse();
        assertThat(ignore.isIgnored(".mvn/wrapper/maven-wrapper.properties")).isFalse();
    }

    /** The COPY of a jar from another stage into the final stage. */
    private static Copy jarCopy(Dockerfile df) {
        List<Copy> jars = df.copies(df.finalStage()).stream()
                .filter(c -> c.from() != null && c.sources().size() == 1 && c.sources().get(0).endsWith(".jar")).toList();
        assertThat(jars).as(df.path() + ": one jar copied into the final stage").hasSize(1);
        return jars.get(0);
    }

    /** The COPY of the jlink runtime from its stage into the final stage. */
    private static Copy runtimeCopy(Dockerfile df) {
        String jlinkStage = df.jlinkStage().orElseThrow(() -> new AssertionError(df.path() + ": no jlink stage")).name();
        List<Copy> runtimes = df.copies(df.finalStage()).stream().filter(c -> jlinkStage.equals(c.from())).toList();
        assertThat(runtimes).as(df.path() + ": one COPY --from=" + jlinkStage).hasSize(1);
        return runtimes.get(0);
    }

    private static List<String> namesOf(Dockerfile df) {
        return df.stages().stream().map(Stage::name).filter(n -> n != null).toList();
    }

    private static String finalName(String module) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve(module).resolve("pom.xml").toFile());
        String name = XPathFactory.newInstance().newXPath().evaluate("/project/build/finalName", pom).strip();
        assertThat(name).as(module + "/pom.xml build/finalName (the Dockerfile names the jar it produces)").isNotEmpty();
        return name;
    }

    /** The path itself when it is a file, else every regular file under it; relative to the root, with "/". */
    private static List<String> filesUnder(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            return List.of(ROOT.relativize(p).toString().replace('\\', '/'));
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).map(f -> ROOT.relativize(f).toString().replace('\\', '/'))
                    .toList();
        }
    }
}
