package dev.authsidecar.respond;

/**
 * Why a request is answered by the sidecar instead of being forwarded, as the stage that refused it concluded:
 * a refused credential and an identity provider that cannot answer (both {@code authenticate}), or an
 * authorization rule (a 403, {@code authorize}). Each kind is its own type; {@link #failure()} is how it is
 * answered, and {@link ProblemResponses} stays the one place that turns that into a response.
 */
public interface Refusal {
    Failure failure();

    /** A human explanation, safe to show the caller. */
    String detail();

    /** The scope a 403 lacked, announced as RFC 6750 §3 requires; {@code null} for every other refusal. */
    default String requiredScope() {
        return null;
    }
}
