package dev.authsidecar.rewrite;

import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The headers through which the application learns who called. Only the sidecar may set them: every incoming
 * header that a server could read as one of them is removed first. Servers disagree on {@code _} and {@code .}
 * (CGI, nginx and many frameworks turn them into {@code -}), so {@code x_auth_subject} and
 * {@code X.Auth.Subject} are treated as {@code X-Auth-Subject}.
 */
public final class IdentityHeaders {
    public static final AsciiString SUBJECT = AsciiString.cached("x-auth-subject");
    public static final AsciiString METHOD = AsciiString.cached("x-auth-method");

    private IdentityHeaders() {
    }

    public static void stripIncoming(HttpHeaders headers) {
        List<CharSequence> spoofed = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isIdentityAlias(name)) {
                if (spoofed == null) {
                    spoofed = new ArrayList<>(2);
                }
                spoofed.add(name);
            }
        }
        if (spoofed != null) {
            for (CharSequence name : spoofed) {
                headers.remove(name);
            }
        }
    }

    public static void add(HttpHeaders headers, Identity identity) {
        headers.set(SUBJECT, identity.subject());
        headers.set(METHOD, identity.method());
    }

    /** {@code x-auth-*} with any case, and {@code _} or {@code .} in place of either dash. */
    static boolean isIdentityAlias(CharSequence name) {
        return name.length() > 7
                && (name.charAt(0) | 0x20) == 'x'
                && isDash(name.charAt(1))
                && (name.charAt(2) | 0x20) == 'a'
                && (name.charAt(3) | 0x20) == 'u'
                && (name.charAt(4) | 0x20) == 't'
                && (name.charAt(5) | 0x20) == 'h'
                && isDash(name.charAt(6));
    }

    private static boolean isDash(char c) {
        return c == '-' || c == '_' || c == '.';
    }
}
