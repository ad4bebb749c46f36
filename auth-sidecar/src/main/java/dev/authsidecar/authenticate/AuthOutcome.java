package dev.authsidecar.authenticate;

import dev.authsidecar.respond.Failure;
import java.util.concurrent.CompletableFuture;

/**
 * What authentication concluded about a request: who the caller is, that it presented nothing, that what it
 * presented is not acceptable, or that the answer needs the network first. Deciding whether that is enough
 * for the path is {@code authorize}'s job.
 */
public sealed interface AuthOutcome permits Identity, AuthOutcome.Anonymous, AuthOutcome.Rejected,
        AuthOutcome.Pending {

    Anonymous ANONYMOUS = new Anonymous();

    /** No credential was presented. */
    final class Anonymous implements AuthOutcome {
        private Anonymous() {
        }
    }

    /**
     * A credential was presented and refused, or could not be checked ({@link Failure#AUTH_BACKEND_UNAVAILABLE});
     * the detail is safe to show the caller. {@code requiredScope} names what a 403 lacked (RFC 6750 §3), or is
     * {@code null}.
     */
    record Rejected(Failure failure, String detail, String requiredScope) implements AuthOutcome {
        public Rejected(Failure failure, String detail) {
            this(failure, detail, null);
        }
    }

    /**
     * The answer needs a key-set fetch or an introspection call. The future completes on some other thread
     * with an {@link Identity} or a {@link Rejected}, never exceptionally; the caller resumes on its own loop.
     */
    record Pending(CompletableFuture<AuthOutcome> result) implements AuthOutcome {
    }
}
