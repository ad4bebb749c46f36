package dev.authsidecar.authenticate.jwt;

import java.time.Duration;

/**
 * How one provider's signing keys stand, for readiness detail, logs and metrics. Holds no key material.
 *
 * @param provider the provider's configured name
 * @param hasKeys tokens from this issuer can be verified now (keys loaded and not older than allowed)
 * @param age time since the key set in use was loaded, or {@code null} when none ever was
 * @param lastError why the latest fetch failed, or {@code null} when it succeeded
 */
public record KeySetStatus(String provider, boolean hasKeys, Duration age, String lastError) {
}
