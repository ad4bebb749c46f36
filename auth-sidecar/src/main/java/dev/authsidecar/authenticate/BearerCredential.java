package dev.authsidecar.authenticate;

import dev.authsidecar.respond.Failure;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** Finds the bearer token in {@code Authorization} (RFC 6750 §2.1), or says why it cannot. */
final class BearerCredential {
    static final AuthOutcome.Rejected DUPLICATE = new AuthOutcome.Rejected(Failure.CREDENTIAL_MALFORMED,
            "more than one Authorization header");
    static final AuthOutcome.Rejected MALFORMED = new AuthOutcome.Rejected(Failure.CREDENTIAL_INVALID,
            "the bearer token is not well-formed or too long");

    private BearerCredential() {
    }

    /**
     * @return the token, {@code null} when the request carries no bearer credential, or throws the
     *     rejection when the header is ambiguous or malformed
     */
    static String extract(HttpHeaders headers, int maxTokenBytes) throws Refused {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (value == null) {
            return null;
        }
        List<String> all = headers.getAll(HttpHeaderNames.AUTHORIZATION);
        if (all.size() > 1) {
            throw new Refused(DUPLICATE);
        }
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        int start = 7;
        while (start < value.length() && value.charAt(start) == ' ') {
            start++;
        }
        int end = value.length();
        while (end > start && value.charAt(end - 1) == ' ') {
            end--;
        }
        if (end == start || end - start > maxTokenBytes || !isToken68(value, start, end)) {
            throw new Refused(MALFORMED);
        }
        return value.substring(start, end);
    }

    /** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    private static boolean isToken68(String s, int start, int end) {
        int i = start;
        for (; i < end; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
            if (!ok) {
                break;
            }
        }
        if (i == start) {
            return false;
        }
        for (; i < end; i++) {
            if (s.charAt(i) != '=') {
                return false;
            }
        }
        return true;
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
