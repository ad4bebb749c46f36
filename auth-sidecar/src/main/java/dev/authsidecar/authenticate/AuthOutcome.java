package dev.authsidecar.authenticate;

import dev.authsidecar.respond.Failure;

/**
 * What authentication concluded about a request: who the caller is, that it presented nothing, or that what
 * it presented is not acceptable. Deciding whether that is enough for the path is {@code authorize}'s job.
 */
public sealed interface AuthOutcome permits Identity, AuthOutcome.Anonymous, AuthOutcome.Rejected {

    Anonymous ANONYMOUS = new Anonymous();

    /** No credential was presented. */
    final class Anonymous implements AuthOutcome {
        private Anonymous() {
        }
    }

    /** A credential was presented and refused; the detail is safe to show the caller. */
    record Rejected(Failure failure, String detail) implements AuthOutcome {
    }
}
