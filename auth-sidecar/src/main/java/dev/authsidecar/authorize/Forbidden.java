package dev.authsidecar.authorize;

import dev.authsidecar.respond.Failure;
import dev.authsidecar.respond.Refusal;

/**
 * The caller is authenticated but a rule does not let it through: 403. Only the authorize stage decides this;
 * the authenticate stage's refusals are {@code AuthOutcome.Rejected} (401/400) and
 * {@code AuthOutcome.Unavailable} (503).
 *
 * @param failure {@link Failure#ACCESS_DENIED} or {@link Failure#INSUFFICIENT_SCOPE}
 * @param requiredScope for an insufficient scope, the scopes the rule requires, or {@code null}
 */
public record Forbidden(Failure failure, String detail, String requiredScope) implements Refusal {
    public Forbidden {
        if (failure != Failure.ACCESS_DENIED && failure != Failure.INSUFFICIENT_SCOPE) {
            throw new IllegalArgumentException("not an authorization failure: " + failure);
        }
        if (requiredScope != null && failure != Failure.INSUFFICIENT_SCOPE) {
            throw new IllegalArgumentException("only an insufficient scope names the scope it lacks");
        }
    }

    static Forbidden accessDenied(String detail) {
        return new Forbidden(Failure.ACCESS_DENIED, detail, null);
    }

    /** @param requiredScope the scopes the rule requires, or {@code null} when what is missing is not a scope */
    static Forbidden insufficientScope(String detail, String requiredScope) {
        return new Forbidden(Failure.INSUFFICIENT_SCOPE, detail, requiredScope);
    }
}
