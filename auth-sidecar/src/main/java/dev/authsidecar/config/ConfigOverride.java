package dev.authsidecar.config;

/**
 * A value that beats the file: from a command-line flag or the environment.
 *
 * @param path dotted key path, e.g. {@code server.listen}
 * @param source how the user set it, named in error messages, e.g. {@code --listen}
 */
public record ConfigOverride(String path, String value, String source) {}
