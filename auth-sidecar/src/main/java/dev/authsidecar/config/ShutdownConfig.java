package dev.authsidecar.config;

import java.time.Duration;

/**
 * What happens on SIGTERM.
 *
 * @param drainDelay how long to keep serving after readiness turns 503, so endpoints controllers and load
 *     balancers stop sending new traffic before the listener closes
 * @param timeout how long in-flight requests may take to finish once the listener is closed
 */
public record ShutdownConfig(Duration drainDelay, Duration timeout) {}
