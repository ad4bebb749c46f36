package dev.authsidecar.authenticate.jwt;

/** PLACEHOLDER written by the lead so the module compiles; the JWT helper replaces this file entirely. */
public record KeySetStatus(String provider, boolean hasKeys, java.time.Duration age, String lastError) {
}
