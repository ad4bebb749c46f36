package dev.authsidecar.cyclefixture.b;

import dev.authsidecar.cyclefixture.a.A;

/** The other half of a deliberate package cycle, for {@code PackageGraphTest}. */
public final class B {
    public A other() {
        return new A();
    }
}
