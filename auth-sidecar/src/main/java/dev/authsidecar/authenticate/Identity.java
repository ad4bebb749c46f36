package dev.authsidecar.authenticate;

/**
 * A verified caller, as the application will see it.
 *
 * @param subject who the caller is ({@code X-Auth-Subject})
 * @param method how it proved it ({@code X-Auth-Method}: {@code api-key}, …)
 */
public record Identity(String subject, String method) implements AuthOutcome {
}
