package dev.authsidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Ports that nothing listens on: for a child process that must be told its port up front, or for an address that
 * refuses connections (an application or identity provider that is down).
 */
public final class FreePorts {
    private FreePorts() {}

    /**
     * A port that was free on every interface a moment ago. Another process may take it before the caller does,
     * which is why in-process servers bind port 0 instead and ask for the port they got.
     */
    public static int one() {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
