package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * What `./mvnw verify` runs besides the tests, and what makes `-pl` and `-T` builds work: read from the POMs, so
 * that dropping a piece of it fails here rather than going unnoticed. (That the pieces work is what every build
 * shows: Error Prone runs in each compile, spotless:check in verify.)
 */
class BuildWiringTest {
    private static final Path ROOT = Manifests.repoRoot();

    @Test
    void verifyChecksTheFormatting() throws Exception {
        XPath x = XPathFactory.newInstance().newXPath();
        Document pom = pom(ROOT.resolve("pom.xml"));
        String plugin = "/project/build/plugins/plugin[artifactId='spotless-maven-plugin']";
        assertThat(x.evaluate(plugin + "/executions/execution/goals/goal", pom))
                .as("spotless:check bound in the build")
                .isEqualTo("check");
        String managed = "/project/build/pluginManagement/plugins/plugin[artifactId='spotless-maven-plugin']";
        assertThat(x.evaluate(managed + "/version", pom)).isNotBlank();
        assertThat(x.evaluate(managed + "/configuration/java/palantirJavaFormat/version", pom))
                .isNotBlank();
        assertThat(x.evaluate(managed + "/configuration/java/includes", pom))
                .contains("src/main/java/**/*.java", "src/test/java/**/*.java");
    }

    @Test
    void everyCompileRunsErrorProne() throws Exception {
        XPath x = XPathFactory.newInstance().newXPath();
        Document pom = pom(ROOT.resolve("pom.xml"));
        String compiler = "/project/build/pluginManagement/plugins/plugin[artifactId='maven-compiler-plugin']";
        assertThat(x.evaluate(compiler + "/configuration/compilerArgs", pom))
                .contains("-Xplugin:ErrorProne")
                .contains("-XDcompilePolicy=simple");
        assertThat(x.evaluate(compiler + "/configuration/annotationProcessorPaths/path/artifactId", pom))
                .isEqualTo("error_prone_core");
        // javac runs inside Maven's JVM: without these, JDK 16+ refuse Error Prone access to javac's internals.
        assertThat(Files.readAllLines(ROOT.resolve(".mvn/jvm.config")))
                .contains(
                        "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                        "--add-opens=jdk.compiler/com.sun.tools.javac.comp=ALL-UNNAMED");
    }

    /** The end-to-end tests run main-service's jar: a declared dependency, not a path into a sibling's target/. */
    @Test
    void theEndToEndTestsGetMainServicesJarFromADeclaredDependency() throws Exception {
        XPath x = XPathFactory.newInstance().newXPath();
        Document pom = pom(ROOT.resolve("auth-sidecar/pom.xml"));
        assertThat(x.evaluate("/project/dependencies/dependency[artifactId='main-service']/scope", pom))
                .isEqualTo("test");
        String failsafe = "/project/build/plugins/plugin[artifactId='maven-failsafe-plugin']/configuration";
        assertThat(x.evaluate(failsafe + "/systemPropertyVariables/main-service.jar", pom))
                .isEqualTo("${dev.authsidecar:main-service:jar}");
        assertThat(x.evaluate(failsafe + "/classpathDependencyExcludes/exclude", pom))
                .as("the shaded jar stays off the tests' class path")
                .isEqualTo("dev.authsidecar:main-service");
        assertThat(x.evaluate(
                        "/project/build/plugins/plugin[artifactId='maven-dependency-plugin']"
                                + "/executions/execution/goals/goal",
                        pom))
                .as("sets ${group:artifact:type} properties")
                .isEqualTo("properties");
        assertThat(System.getProperty("main-service.jar"))
                .as("set only for failsafe's run, not surefire's")
                .isNull();
    }

    private static Document pom(Path path) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(path.toFile());
    }
}
