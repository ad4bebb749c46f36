package dev.authsidecar.config;

/**
 * The value a single key ends up with after the file, the environment and the flags.
 *
 * @param value as written (or the default, as the reference shows it)
 * @param origin {@code default}, the file, or the variable or flag that set it
 */
public record Setting(String path, String value, String origin) {}
