package dev.authsidecar.authenticate.jwt;

import java.time.Duration;

/**
 * How one provider's signing keys stand, for readiness detail, logs and metrics. Holds no key material.
 *
 * @param provider the provider's configured name
 * @param hasKeys tokens from this issuer can be verified now (keys loaded and not older than allowed)
 * @param age time since the key set in use was loaded, or {@code null} when none ever was
 * @param lastError why the latest fetch failed, or {@code null} when it succeeded
 * @param fetchesSucceeded key-set fetches that loaded keys, since start
 * @param fetchesFailed key-set fetches that failed, since start
 * @param weakKeysSkipped keys in the fetched set in use that were skipped as too weak (RSA under 2048 bits)
 */
public record KeySetStatus(
        String provider,
        boolean hasKeys,
        Duration age,
        String lastError,
        long fetchesSucceeded,
        long fetchesFailed,
        int weakKeysSkipped) {
    /** A status with no weak keys skipped: key files (which refuse weak keys) and HMAC-only providers. */
    public KeySetStatus(
            String provider,
            boolean hasKeys,
            Duration age,
            String lastError,
            long fetchesSucceeded,
            long fetchesFailed) {
        this(provider, hasKeys, age, lastError, fetchesSucceeded, fetchesFailed, 0);
    }
}
