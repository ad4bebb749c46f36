package dev.authsidecar;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.authsidecar.cyclefixture.a.A;
import dev.authsidecar.cyclefixture.b.B;
import org.junit.jupiter.api.Test;

/**
 * The packages under {@code dev.authsidecar} are the request path's stages and the process around them; each
 * depends only on stages below it, so any one can be read (and replaced) without the ones that use it. A cycle
 * between two of them fails the build. Sub-packages count as part of their top-level package
 * ({@code authenticate.jwt} is part of {@code authenticate}).
 */
class PackageGraphTest {
    /** One slice per top-level package; the root classes (Sidecar, StartupException) sit above them all. */
    private static final ArchRule NO_CYCLES =
            slices().matching("dev.authsidecar.(*)..").should().beFreeOfCycles();

    @Test
    void theProductionPackagesFormNoCycle() {
        // Read from where the production classes were compiled to: scanning the class path for the package would
        // open every dependency jar.
        JavaClasses production = new ClassFileImporter()
                .importUrl(Sidecar.class.getProtectionDomain().getCodeSource().getLocation());
        assertThat(production.size()).as("classes imported").isGreaterThan(100);
        NO_CYCLES.check(production);
    }

    /** The rule is not vacuous: two test packages that use each other are reported. */
    @Test
    void aCycleIsReported() {
        JavaClasses fixture = new ClassFileImporter().importClasses(A.class, B.class);
        ArchRule rule =
                slices().matching("dev.authsidecar.cyclefixture.(*)..").should().beFreeOfCycles();
        assertThatThrownBy(() -> rule.check(fixture))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected");
    }
}
