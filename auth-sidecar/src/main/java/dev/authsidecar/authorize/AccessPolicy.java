package dev.authsidecar.authorize;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.respond.Failure;
import java.util.List;

/**
 * The authorize stage. Closed by default: every path needs a valid credential unless it is listed as public,
 * and a credential that is presented but invalid is refused even on a public path.
 */
public final class AccessPolicy {
    private final PathPattern[] publicPaths;

    public AccessPolicy(List<String> publicPaths) {
        this.publicPaths = publicPaths.stream().map(PathPattern::parse).toArray(PathPattern[]::new);
    }

    /** @return {@code null} when the request may pass, else why not */
    public AuthOutcome.Rejected check(String normalizedPath, AuthOutcome outcome) {
        if (outcome instanceof AuthOutcome.Rejected rejected) {
            return rejected;
        }
        if (outcome == AuthOutcome.ANONYMOUS && !isPublic(normalizedPath)) {
            return MISSING;
        }
        return null;
    }

    boolean isPublic(String normalizedPath) {
        for (PathPattern p : publicPaths) {
            if (p.matches(normalizedPath)) {
                return true;
            }
        }
        return false;
    }

    private static final AuthOutcome.Rejected MISSING = new AuthOutcome.Rejected(Failure.CREDENTIAL_MISSING,
            "this path requires a bearer token");
}
