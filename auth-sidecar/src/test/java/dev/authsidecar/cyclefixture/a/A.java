package dev.authsidecar.cyclefixture.a;

import dev.authsidecar.cyclefixture.b.B;

/** Half of a deliberate package cycle, for {@code PackageGraphTest}. */
public final class A {
    public B other() {
        return new B();
    }
}
