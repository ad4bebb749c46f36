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
 */
public record KeySetStatus(String provider, boolean hasKeys, Duration age, String lastError, long fetchesSucceeded,
        long fetchesFailed) {
}
