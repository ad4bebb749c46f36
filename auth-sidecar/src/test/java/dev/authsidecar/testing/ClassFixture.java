package dev.authsidecar.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A server a test class shares among its tests, as a JUnit extension: put it in a static field with
 * {@code @RegisterExtension} and it is opened before the class's first test and closed after its last. JUnit does
 * not promise to call the fields in the order they are declared, so a fixture whose address another one needs
 * opens as soon as that address is asked for: a sidecar can name its upstream whichever starts first.
 */
public interface ClassFixture extends BeforeAllCallback, AfterAllCallback, AutoCloseable {
    /** Binds and starts. */
    void open() throws Exception;

    @Override
    default void beforeAll(ExtensionContext context) throws Exception {
        open();
    }

    @Override
    default void afterAll(ExtensionContext context) throws Exception {
        close();
    }
}
