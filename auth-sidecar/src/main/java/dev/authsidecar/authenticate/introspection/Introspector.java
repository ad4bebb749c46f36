package dev.authsidecar.authenticate.introspection;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.config.IntrospectionConfig;
import dev.authsidecar.respond.Failure;
import java.util.concurrent.Executor;

/** PLACEHOLDER written by the lead so the module compiles; the introspection helper replaces this file entirely. */
public final class Introspector implements AutoCloseable {
    public Introspector(IntrospectionConfig config, Executor executor) throws java.io.IOException {
    }

    public AuthOutcome authenticate(String token) {
        return new AuthOutcome.Rejected(Failure.AUTH_BACKEND_UNAVAILABLE, "not implemented yet");
    }

    @Override
    public void close() {
    }
}
