package dev.authsidecar.config;

/** The admin port: health, readiness and (later) metrics. Never proxied, never authenticated. */
public record AdminConfig(HostPort listen) {}
