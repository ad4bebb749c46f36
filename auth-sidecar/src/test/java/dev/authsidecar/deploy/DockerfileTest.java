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
 * The Dockerfiles are built and run for real by deploy/test-images.sh (CI runs it after {@code ./mvnw verify},
 * where a container engine can run). These checks need no engine and fail first: what they copy exists and is
 * sent in the build context, the jar they run is the one Maven builds, jlink writes where the base image has
 * nothing, the class-data-sharing archive is made with the image's JVM options, the ports are the programs'
 * defaults, the user is the Deployment's, and the final image holds a runtime, a jar and nothing to build with.
 * (That the jar exists after {@code package} is checked by ManifestPodIT, which runs after it; here, in the test
 * phase, the check is against the POM's finalName.)
 */
class DockerfileTest {
    private static final Path ROOT = Manifests.repoRoot();

    /**
     * What the jlink stage's base image, eclipse-temurin:25-jdk, already holds: its JDK at JAVA_HOME, and the
     * folders every Linux image has. jlink refuses to write its runtime into a folder that exists.
     */
    private static final String BASE_JAVA_HOME = "/opt/java/openjdk";

    private static final List<String> BASE_FOLDERS = List.of(
            "/",
            "/bin",
            "/etc",
            "/home",
            "/lib",
            "/opt",
            "/root",
            "/sbin",
            "/srv",
            "/tmp",
            "/usr",
            "/usr/bin",
            "/usr/lib",
            "/usr/local",
            "/usr/share",
            "/var");

    /** The first folder of java.library.path on Linux when the property is not set (JDK 17 to 25). */
    private static final String DEFAULT_LIBRARY_PATH = "/usr/java/packages/lib";

    record Image(String module, List<Integer> defaultPorts) {
        Dockerfile dockerfile() throws IOException {
            return Dockerfile.image(ROOT, module);
        }

        @Override
        public String toString() {
            return module;
        }
    }

    static Stream<Image> images() throws Exception {
        SidecarConfig defaults = ConfigLoader.defaults();
        return Stream.of(
                new Image(
                        "auth-sidecar",
                        List.of(
                                defaults.server().listen().port(),
                                defaults.admin().listen().port())),
                new Image(
                        "main-service",
                        List.of(
                                mainServiceDefaultPort("DEFAULT_LISTEN"),
                                mainServiceDefaultPort("DEFAULT_GRPC_LISTEN"))));
    }

    /** main-service is not on this module's class path; its defaults (HTTP, gRPC) are read from its source. */
    private static int mainServiceDefaultPort(String constant) throws IOException {
        Path cli = ROOT.resolve("main-service/src/main/java/dev/authsidecar/mainservice/Cli.java");
        Matcher m =
                Pattern.compile("\\b" + constant + "\\s*=\\s*\"[^\"]*:(\\d+)\"").matcher(Files.readString(cli));
        if (!m.find()) {
            throw new AssertionError(cli + " no longer declares " + constant + " = \"HOST:PORT\"; update this test");
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
                    assertThat(source)
                            .as(where + " (no wildcards, so that this check means something)")
                            .doesNotContain("*", "?", "$");
                    Path p = ROOT.resolve(source);
                    assertThat(p)
                            .as(where + " (the build context is the repository root)")
                            .exists();
                    for (String file : filesUnder(p)) {
                        assertThat(ignore.isIgnored(file))
                                .as(where + ": " + file + " is excluded by .dockerignore")
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
                    assertThat(earlier)
                            .as(df.path() + ":" + copy.at().line() + " COPY --from=" + copy.from())
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
        assertThat(jar.sources())
                .as("the jar the Maven build writes (the module POM's finalName)")
                .containsExactly(expected);
        String mavenRun = build.all("RUN").stream()
                .map(Dockerfile.Instruction::arguments)
                .filter(a -> a.contains("mvnw"))
                .findFirst()
                .orElseThrow();
        Matcher projects = Pattern.compile("-pl (\\S+)").matcher(mavenRun);
        assertThat(projects.find())
                .as("the Maven run names its modules with -pl: " + mavenRun)
                .isTrue();
        assertThat(projects.group(1).split(",")).contains(image.module());
        assertThat(mavenRun).contains("package");
        assertThat(df.copies(build))
                .as("the build stage copies the module's sources")
                .anySatisfy(c -> assertThat(c.sources()).contains(image.module() + "/src/main/"));

        Copy runtime = runtimeCopy(df);
        assertThat(df.entrypoint())
                .as("ENTRYPOINT")
                .containsExactly(runtime.destination() + "/bin/java", "-jar", jar.destination());
    }

    /** One Maven run builds both jars; each image's target takes its jar from that same stage (issue 13). */
    @Test
    void bothImagesTakeTheirJarsFromOneBuildStage() throws Exception {
        Dockerfile whole = Dockerfile.parse(ROOT.resolve("Dockerfile"));
        List<String> builtFrom = new ArrayList<>();
        for (Image image : images().toList()) {
            builtFrom.add(jarCopy(image.dockerfile()).from());
        }
        assertThat(builtFrom).as("the stage each image's jar comes from").containsOnly(builtFrom.get(0));
        Stage build = whole.stage(builtFrom.get(0)).orElseThrow();
        long mavenRuns = whole.stages().stream()
                .flatMap(st -> st.all("RUN").stream())
                .filter(r -> r.arguments().contains("mvnw"))
                .count();
        assertThat(mavenRuns).as("Maven runs in the whole Dockerfile").isEqualTo(1);
        assertThat(build.all("RUN")).anySatisfy(r -> assertThat(r.arguments()).contains("mvnw"));
        assertThat(whole.finalStage().name())
                .as("a build without --target makes the product's image")
                .isEqualTo("auth-sidecar");
        assertThat(ROOT.resolve("auth-sidecar/Dockerfile"))
                .as("no second copy of the build")
                .doesNotExist();
        assertThat(ROOT.resolve("main-service/Dockerfile"))
                .as("no second copy of the build")
                .doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void exposedPortsAreTheProgramsDefaults(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        assertThat(df.exposedPorts(df.finalStage()))
                .as(df.path() + ": EXPOSE vs. the program's default ports")
                .containsExactlyInAnyOrderElementsOf(image.defaultPorts());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void runsAsTheNumericNonRootUserTheDeploymentRunsItAs(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        String user = df.user(df.finalStage()).orElseThrow(() -> new AssertionError(df.path() + ": no USER"));
        assertThat(user)
                .as("USER: numeric, so that Kubernetes can verify runAsNonRoot")
                .matches("\\d+(:\\d+)?");
        long uid = Long.parseLong(user.split(":")[0]);
        assertThat(uid).as("USER uid").isPositive();

        Manifests manifests = Manifests.load();
        Container container = manifests.allContainers().stream()
                .filter(c -> c.getImage().startsWith(image.module() + ":"))
                .findFirst()
                .orElseThrow();
        Long runAsUser = container.getSecurityContext().getRunAsUser() != null
                ? container.getSecurityContext().getRunAsUser()
                : manifests.pod().getSecurityContext().getRunAsUser();
        assertThat(runAsUser)
                .as(container.getName() + " runAsUser = the image's USER")
                .isEqualTo(uid);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void theFinalStageHoldsARuntimeAndAJarAndNothingToBuildWith(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        Stage last = df.finalStage();
        assertThat(last.image().toLowerCase(Locale.ROOT))
                .as("final base image")
                .doesNotContain("jdk", "maven", "gradle")
                .isNotIn(namesOf(df));
        // The base has no shell, so a RUN would fail anyway; and nothing may be installed after the fact.
        assertThat(last.all("RUN")).as("RUN in the final stage").isEmpty();
        assertThat(df.copies(last))
                .as("the final stage copies build results only, never the context")
                .allSatisfy(c -> assertThat(c.from()).isNotNull());
        Copy runtime = runtimeCopy(df);
        assertThat(runtime.sources())
                .as("the runtime copied is jlink's output, not the JDK")
                .containsExactly(df.jlinkOption("--output").orElseThrow());
        assertThat(df.copies(last))
                .as("runtime, jar and (for a Netty transport) its native library and (for the sidecar) its AOT cache")
                .hasSize(2 + nativeLibraryCopies(df).size() + aotCacheCopies(df).size());
    }

    /** Found when DockerfileTest did not know the base's layout: `jlink --output /opt/java` on a JDK at /opt/java/openjdk. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void jlinkWritesToAFolderTheBaseImageDoesNotHave(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        assertThat(df.jlinkStage().orElseThrow().image())
                .as("the jlink stage's base, whose layout this test knows")
                .isEqualTo("eclipse-temurin:25-jdk");
        String output = df.jlinkOption("--output").orElseThrow(() -> new AssertionError(df.path() + ": no --output"));
        assertThat(output)
                .as(df.path() + ": jlink --output")
                .startsWith("/")
                .doesNotEndWith("/")
                .isNotIn(BASE_FOLDERS)
                .as(df.path() + ": jlink --output " + output + " exists in the base: the JDK is at " + BASE_JAVA_HOME)
                .isNotEqualTo(BASE_JAVA_HOME)
                .matches(o -> !(BASE_JAVA_HOME + "/").startsWith(o + "/"), "not a folder above " + BASE_JAVA_HOME)
                .matches(o -> !o.startsWith(BASE_JAVA_HOME + "/"), "not inside " + BASE_JAVA_HOME);
    }

    /**
     * jlink's --generate-cds-archive makes archives for the default JVM options only; a JVM started with other
     * options (-XX:+UseCompactObjectHeaders, --enable-native-access…) finds no archive that matches and runs
     * without sharing. The archive must be dumped with the very options the image sets.
     */
    @Test
    void theMainServiceClassDataSharingArchiveIsMadeWithTheImagesOwnJvmOptions() throws IOException {
        Dockerfile df = Dockerfile.image(ROOT, "main-service");
        Stage jre = df.jlinkStage().orElseThrow();
        String run = jre.all("RUN").stream()
                .map(Dockerfile.Instruction::arguments)
                .filter(a -> a.contains("jlink "))
                .findFirst()
                .orElseThrow();
        assertThat(run)
                .as("jlink's own CDS archive matches only the default JVM options")
                .doesNotContain("--generate-cds-archive");

        String env = df.env(df.finalStage(), "JAVA_TOOL_OPTIONS").orElseThrow();
        Matcher var = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?").matcher(env);
        assertThat(var.matches())
                .as("JAVA_TOOL_OPTIONS is one build argument, shared with the archive's dump: " + env)
                .isTrue();
        String arg = var.group(1);
        assertThat(df.globalArgs())
                .as("global ARG " + arg + " with the options")
                .containsKey(arg);
        assertThat(jre.all("ARG"))
                .as("the jlink stage declares ARG " + arg)
                .anySatisfy(a -> assertThat(a.arguments().strip()).isEqualTo(arg));
        assertThat(run)
                .as("the archive is dumped with the image's JVM options")
                .containsPattern("JAVA_TOOL_OPTIONS=\"\\$\\{?" + arg + "}?\" \\S*/bin/java -Xshare:dump");
        assertThat(run)
                .as("the dump uses the class list cut to the runtime's classes (no warnings for missing ones)")
                .containsPattern("jimage list \\S*/lib/modules")
                .contains("lib/classlist");
    }

    /**
     * The sidecar's class data is a JDK 25 ahead-of-time cache made by a training run in the jlink stage. The JVM
     * maps a cache only when it runs with the options the cache was made with and the same jar at the same path
     * (size and time), so: the training starts the jar the final stage copies, at the path the final stage puts it,
     * on the runtime the final stage copies, with the build argument the final stage's JAVA_TOOL_OPTIONS expands;
     * the final stage names the cache the training wrote. One mechanism: no second archive from -Xshare:dump.
     */
    @Test
    void theSidecarsAotCacheIsTrainedWithTheImagesOwnOptionsJarAndRuntime() throws IOException {
        Dockerfile df = Dockerfile.image(ROOT, "auth-sidecar");
        Stage jre = df.jlinkStage().orElseThrow();
        String cache = df.globalArgs().get("SIDECAR_AOT_CACHE");
        assertThat(cache).as("global ARG SIDECAR_AOT_CACHE=<file>").isNotNull().startsWith("/");
        assertThat(df.env(df.finalStage(), "JAVA_TOOL_OPTIONS").orElseThrow())
                .as("the final stage runs the image's options with the cache")
                .isEqualTo("${SIDECAR_JAVA_OPTIONS} -XX:AOTCache=${SIDECAR_AOT_CACHE}");
        assertThat(df.javaToolOptions()).last().isEqualTo("-XX:AOTCache=" + cache);
        for (String arg : List.of("SIDECAR_JAVA_OPTIONS", "SIDECAR_AOT_CACHE")) {
            assertThat(jre.all("ARG"))
                    .as("the jlink stage declares ARG " + arg)
                    .anySatisfy(a -> assertThat(a.arguments().strip()).isEqualTo(arg));
        }
        String runtime = runtimeCopy(df).sources().get(0);
        Copy jar = jarCopy(df);
        assertThat(df.copies(jre))
                .as("the training runs the final stage's jar, at the final stage's path")
                .anySatisfy(c -> {
                    assertThat(c.from()).isEqualTo(jar.from());
                    assertThat(c.sources()).isEqualTo(jar.sources());
                    assertThat(c.destination()).isEqualTo(jar.destination());
                });
        String training = jre.all("RUN").stream()
                .map(Dockerfile.Instruction::arguments)
                .filter(a -> a.contains("AotTraining.java"))
                .map(a -> a.replaceAll("\\s+", " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no RUN of AotTraining.java in the jlink stage"));
        assertThat(training)
                .as("the training starts the sidecar on the jlink runtime, the image's options plus the cache's output")
                .contains(runtime + "/bin/java " + jar.destination() + " ")
                .contains("\"$SIDECAR_JAVA_OPTIONS -XX:AOTCacheOutput=$SIDECAR_AOT_CACHE\"")
                .as("and checks that the cache maps with the image's options (AOTMode=on refuses to start otherwise)")
                .contains("JAVA_TOOL_OPTIONS=\"$SIDECAR_JAVA_OPTIONS -XX:AOTCache=$SIDECAR_AOT_CACHE -XX:AOTMode=on\" "
                        + runtime + "/bin/java -jar " + jar.destination());
        assertThat(aotCacheCopies(df))
                .as("the final stage copies the cache the training wrote to where JAVA_TOOL_OPTIONS names it")
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.from()).isEqualTo(jre.name());
                    assertThat(c.sources()).containsExactly(cache);
                    assertThat(c.destination()).isEqualTo(cache);
                });
        assertThat(jre.all("RUN"))
                .as("one class-data mechanism: the AOT cache holds the JDK's classes too")
                .noneSatisfy(r -> assertThat(r.arguments()).contains("-Xshare:dump"));
    }

    /**
     * Netty loads its epoll library from java.library.path before it tries to unpack the copy in the jar to a
     * temporary folder. Installed in the JDK's default library folder, it loads on a read-only root and a noexec
     * /tmp, so the sidecar cannot fall back to NIO because of the Pod's /tmp.
     */
    @Test
    void theSidecarImageInstallsNettysEpollLibraryOnTheDefaultLibraryPath() throws IOException {
        Dockerfile df = Dockerfile.image(ROOT, "auth-sidecar");
        List<Copy> natives = nativeLibraryCopies(df);
        assertThat(natives)
                .as("one COPY of META-INF/native into the final stage")
                .hasSize(1);
        Copy lib = natives.get(0);
        assertThat(lib.destination())
                .as("java.library.path's default first folder")
                .isIn(DEFAULT_LIBRARY_PATH, DEFAULT_LIBRARY_PATH + "/");
        Stage build = df.stage(lib.from()).orElseThrow();
        String source = lib.sources().get(0);
        String extracted = df.workdir(build).orElseThrow() + "/auth-sidecar/target/native/";
        assertThat(source)
                .as("the libraries unpacked from the jar the image runs")
                .isEqualTo(extracted + "META-INF/native/");
        assertThat(build.all("RUN"))
                .as("the build stage unpacks META-INF/native from auth-sidecar.jar into " + extracted)
                .anySatisfy(r -> assertThat(r.arguments())
                        .contains("cd auth-sidecar/target/native")
                        .contains("jar xf ../auth-sidecar.jar META-INF/native/")
                        .contains("libnetty_transport_native_epoll_"));
        assertThat(df.javaToolOptions())
                .as("nothing moves java.library.path away from its default")
                .noneMatch(o -> o.startsWith("-Djava.library.path"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void jvmOptionsAreSetInOnePlace(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        long definitions = df.stages().stream()
                .flatMap(s -> s.all("ENV").stream())
                .filter(e -> e.arguments().matches("(?s).*\\b(JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)\\b.*"))
                .count();
        assertThat(definitions).as("ENV lines setting JVM options").isEqualTo(1);
        assertThat(df.javaToolOptions())
                .as("JAVA_TOOL_OPTIONS")
                .isNotEmpty()
                .allMatch(o -> o.startsWith("-"), "each is an option");
        assertThat(df.entrypoint())
                .as("no JVM options in the ENTRYPOINT: they live in JAVA_TOOL_OPTIONS")
                .filteredOn(a -> a.startsWith("-"))
                .containsExactly("-jar");
        assertThat(df.jlinkModules()).contains("java.base");
    }

    // That bench/run.sh measures the options the image runs: BenchProgramsTest.jvmFlagsAreTheSidecarImagesOptions.

    /**
     * A {@code # syntax=} directive makes every build pull a frontend image from Docker Hub, which fails where
     * builds have no registry access. BuildKit's built-in frontend handles RUN --mount.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void noSyntaxDirectiveSoBuildsNeedNoRegistryForTheFrontend(Image image) throws IOException {
        Dockerfile df = image.dockerfile();
        assertThat(Files.readAllLines(df.path()))
                .as(df.path() + ": parser directives")
                .noneMatch(l -> l.matches("(?i)#\\s*syntax\\s*=.*"));
    }

    @Test
    void theBuildContextSendsSourcesButNeverBuildOutputOrGit() throws IOException {
        DockerIgnore ignore = DockerIgnore.read(ROOT.resolve(".dockerignore"));
        assertThat(ignore.isIgnored("auth-sidecar/target/auth-sidecar.jar")).isTrue();
        assertThat(ignore.isIgnored("main-service/target/classes/x.class")).isTrue();
        assertThat(ignore.isIgnored(".git/HEAD")).isTrue();
        assertThat(ignore.isIgnored("deploy/k8s/deployment.yaml")).isTrue();
        assertThat(ignore.isIgnored("auth-sidecar/src/test/java/Foo.java")).isTrue();
        assertThat(ignore.isIgnored("auth-sidecar/src/main/resources/META-INF/services/x"))
                .isFalse();
        assertThat(ignore.isIgnored("mvnw")).isFalse();
        assertThat(ignore.isIgnored(".mvn/wrapper/maven-wrapper.properties")).isFalse();
    }

    /** The COPY of a jar from another stage into the final stage. */
    private static Copy jarCopy(Dockerfile df) {
        List<Copy> jars = df.copies(df.finalStage()).stream()
                .filter(c -> c.from() != null
                        && c.sources().size() == 1
                        && c.sources().get(0).endsWith(".jar"))
                .toList();
        assertThat(jars).as(df.path() + ": one jar copied into the final stage").hasSize(1);
        return jars.get(0);
    }

    /** The COPY of the jlink runtime from its stage into the final stage. */
    private static Copy runtimeCopy(Dockerfile df) {
        String jlinkStage = df.jlinkStage()
                .orElseThrow(() -> new AssertionError(df.path() + ": no jlink stage"))
                .name();
        List<Copy> runtimes = df.copies(df.finalStage()).stream()
                .filter(c -> jlinkStage.equals(c.from()) && !aotCacheCopies(df).contains(c))
                .toList();
        assertThat(runtimes).as(df.path() + ": one COPY --from=" + jlinkStage).hasSize(1);
        return runtimes.get(0);
    }

    /** COPYs of an AOT cache ({@code .aot}) into the final stage. */
    private static List<Copy> aotCacheCopies(Dockerfile df) {
        return df.copies(df.finalStage()).stream()
                .filter(c -> c.sources().stream().anyMatch(src -> src.endsWith(".aot")))
                .toList();
    }

    /** COPYs of Netty's native libraries (META-INF/native of the jar) into the final stage. */
    private static List<Copy> nativeLibraryCopies(Dockerfile df) {
        return df.copies(df.finalStage()).stream()
                .filter(c -> c.sources().stream().anyMatch(src -> src.contains("META-INF/native")))
                .toList();
    }

    private static List<String> namesOf(Dockerfile df) {
        return df.stages().stream().map(Stage::name).filter(n -> n != null).toList();
    }

    private static String finalName(String module) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ROOT.resolve(module).resolve("pom.xml").toFile());
        String name = XPathFactory.newInstance()
                .newXPath()
                .evaluate("/project/build/finalName", pom)
                .strip();
        assertThat(name)
                .as(module + "/pom.xml build/finalName (the Dockerfile names the jar it produces)")
                .isNotEmpty();
        return name;
    }

    /** The path itself when it is a file, else every regular file under it; relative to the root, with "/". */
    private static List<String> filesUnder(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            return List.of(ROOT.relativize(p).toString().replace('\\', '/'));
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile)
                    .map(f -> ROOT.relativize(f).toString().replace('\\', '/'))
                    .toList();
        }
    }
}
