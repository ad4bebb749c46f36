package dev.authsidecar.authenticate;

import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;
import java.util.concurrent.CompletableFuture;

/**
 * What authentication concluded about a request: who the caller is, that it presented nothing, that what it
 * presented is not acceptable, that it could not be checked, or that the answer needs the network first. Deciding
 * whether that is enough for the path is {@code authorize}'s job.
 */
public sealed interface AuthOutcome
        permits Identity, AuthOutcome.Anonymous, AuthOutcome.Rejected, AuthOutcome.Unavailable, AuthOutcome.Pending {

    Anonymous ANONYMOUS = new Anonymous();

    /** No credential was presented. */
    final class Anonymous implements AuthOutcome {
        private Anonymous() {}
    }

    /**
     * The credential is missing where one is needed, malformed or not valid: 401 or 400, never retried. The detail
     * is safe to show the caller.
     *
     * @param failure {@link Failure#CREDENTIAL_MISSING}, {@link Failure#CREDENTIAL_INVALID} or
     *     {@link Failure#CREDENTIAL_MALFORMED}
     */
    record Rejected(Failure failure, String detail) implements AuthOutcome, Refusal {
        public Rejected {
            if (failure != Failure.CREDENTIAL_MISSING
                    && failure != Failure.CREDENTIAL_INVALID
                    && failure != Failure.CREDENTIAL_MALFORMED) {
                throw new IllegalArgumentException("not a credential failure: " + failure);
            }
        }
    }

    /**
     * The credential could not be checked: the identity provider's keys or its introspection endpoint cannot be
     * reached. 503: the caller may retry, and nothing is let through meanwhile (fail closed).
     */
    record Unavailable(String detail) implements AuthOutcome, Refusal {
        @Override
        public Failure failure() {
            return Failure.AUTH_BACKEND_UNAVAILABLE;
        }
    }

    /**
     * The answer needs a key-set fetch or an introspection call. The future completes on some other thread
     * with an {@link Identity}, a {@link Rejected} or an {@link Unavailable}, never exceptionally; the caller
     * resumes on its own loop.
     */
    record Pending(CompletableFuture<AuthOutcome> result) implements AuthOutcome {}
}
