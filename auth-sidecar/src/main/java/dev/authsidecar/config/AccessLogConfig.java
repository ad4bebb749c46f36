package dev.authsidecar.config;

/** One line per request on stdout: JSON (the default, for log pipelines), plain text, or off. */
public record AccessLogConfig(Format format) {

    public enum Format {
        JSON,
        TEXT,
        OFF
    }
}
