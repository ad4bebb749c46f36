package dev.authsidecar.authenticate;

import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;

/** Finds the bearer token in {@code Authorization} (RFC 6750 §2.1), or says why it cannot. */
final class BearerCredential {
    static final AuthOutcome.Rejected DUPLICATE =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_MALFORMED, "more than one Authorization header");
    static final AuthOutcome.Rejected MALFORMED =
            new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID, "the bearer token is not well-formed or too long");

    private BearerCredential() {}

    /** @return the single {@code Authorization} value, {@code null} when absent; refuses two of them */
    static String header(HttpHeaders headers) throws Refused {
        Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.AUTHORIZATION);
        if (!values.hasNext()) {
            return null;
        }
        String value = values.next();
        if (values.hasNext()) {
            throw new Refused(DUPLICATE);
        }
        // Netty's decoder already trims trailing whitespace; headers built by hand may still carry it.
        return !value.isEmpty() && value.charAt(value.length() - 1) <= ' ' ? value.stripTrailing() : value;
    }

    /**
     * Where the bearer token starts in an {@code Authorization} value; it runs to the end (the decoder trims
     * trailing whitespace). Returned as an index so the hot path hashes the token in place instead of copying.
     *
     * @return the start index, or -1 when the value uses another scheme; throws the rejection when the token
     *     is malformed or too long
     */
    static int tokenStart(String value, int maxTokenBytes) throws Refused {
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return -1;
        }
        int start = 7;
        while (start < value.length() && value.charAt(start) == ' ') {
            start++;
        }
        int end = value.length();
        if (end == start || end - start > maxTokenBytes) {
            throw new Refused(MALFORMED);
        }
        return start;
    }

    /**
     * Refuses a token that is not token68. Separate from {@link #tokenStart} because a token found in the
     * verified-credential cache needs no scan: it is byte for byte one that passed this check before.
     */
    static void checkSyntax(String value, int start) throws Refused {
        if (!Token68.isValid(value, start, value.length())) {
            throw new Refused(MALFORMED);
        }
    }

    /** The header is present but unusable. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient AuthOutcome.Rejected outcome;

        Refused(AuthOutcome.Rejected outcome) {
            super(outcome.detail(), null, false, false);
            this.outcome = outcome;
        }
    }
}
