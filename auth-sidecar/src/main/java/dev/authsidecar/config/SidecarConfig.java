package dev.authsidecar.config;

/** The whole, validated configuration. Immutable; a reload builds a new one. */
public record SidecarConfig(
        ServerConfig server,
        UpstreamConfig upstream,
        AdminConfig admin,
        AuthConfig auth,
        AuthorizationConfig authorization,
        ShutdownConfig shutdown,
        AccessLogConfig accessLog) {}
