package dev.authsidecar.rewrite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The headers through which the application learns who called. Only the sidecar may set them: every incoming
 * header that a server could read as one of them is removed first. Servers disagree about the punctuation in
 * header names: CGI gateways, nginx, PHP, Rack and many frameworks fold {@code _}, {@code .} and others into
 * {@code -} or {@code _}, so two names are treated as the same when they are equal after case-folding with every
 * character that is not a letter or digit (all of RFC 9110's {@code tchar} punctuation) treated alike:
 * {@code x_auth_subject}, {@code X.Auth.Subject} and {@code x~auth|subject} are all {@code X-Auth-Subject}.
 * The same holds for the forwarded headers the sidecar sets ({@code X-Forwarded-For}, {@code -Proto},
 * {@code -Host}): only their exact spelling is left to the rewriter, every look-alike is removed.
 */
public final class IdentityHeaders {
    public static final AsciiString SUBJECT = AsciiString.cached("x-auth-subject");
    public static final AsciiString METHOD = AsciiString.cached("x-auth-method");
    public static final AsciiString ISSUER = AsciiString.cached("x-auth-issuer");
    public static final AsciiString SCOPES = AsciiString.cached("x-auth-scopes");
    public static final AsciiString CLIENT = AsciiString.cached("x-auth-client");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAYLOAD = 8192;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final Map<String, String> claimHeaders;
    private final String payloadHeader;

    /**
     * @param claimHeaders header name → claim name, all in the {@code X-Auth-} family (checked by the loader)
     * @param payloadHeader header for the verified claims as base64url JSON, or {@code null}
     */
    public IdentityHeaders(Map<String, String> claimHeaders, String payloadHeader) {
        this.claimHeaders = Map.copyOf(claimHeaders);
        this.payloadHeader = payloadHeader;
    }

    public static void stripIncoming(HttpHeaders headers) {
        List<CharSequence> spoofed = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isIdentityAlias(name) || isForwardedLookAlike(name)) {
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

    /** Adds the identity of a verified caller; call after {@link #stripIncoming}. */
    public void add(HttpHeaders headers, Identity identity) {
        headers.set(SUBJECT, safe(identity.subject()));
        headers.set(METHOD, identity.method());
        if (identity.issuer() != null) {
            headers.set(ISSUER, safe(identity.issuer()));
        }
        if (!identity.scopeText().isEmpty()) {
            headers.set(SCOPES, safe(identity.scopeText()));
        }
        if (identity.client() != null) {
            headers.set(CLIENT, safe(identity.client()));
        }
        if (!claimHeaders.isEmpty()) {
            for (Map.Entry<String, String> e : claimHeaders.entrySet()) {
                Object value = identity.claims().get(e.getValue());
                if (value != null) {
                    headers.set(e.getKey(), safe(render(value)));
                }
            }
        }
        // An introspection answer can be large; past this size most servers would refuse the request head.
        if (payloadHeader != null
                && identity.payload() != null
                && identity.payload().length() <= MAX_PAYLOAD) {
            headers.set(payloadHeader, identity.payload());
        }
    }

    /** {@code x-auth-*} with any case, and any {@code tchar} punctuation in place of either dash. */
    static boolean isIdentityAlias(CharSequence name) {
        return name.length() > 7
                && (name.charAt(0) | 0x20) == 'x'
                && isSeparator(name.charAt(1))
                && (name.charAt(2) | 0x20) == 'a'
                && (name.charAt(3) | 0x20) == 'u'
                && (name.charAt(4) | 0x20) == 't'
                && (name.charAt(5) | 0x20) == 'h'
                && isSeparator(name.charAt(6));
    }

    /**
     * {@code X-Forwarded-Client-Cert} in every spelling, the exact one included: only the sidecar vouches for a
     * client certificate. And a name that folds to {@code x-forwarded-for}, {@code -proto} or {@code -host}
     * without being spelt that way (case aside): the rewriter sets or extends the real ones, and an application that folds names would
     * otherwise read a client's {@code X_Forwarded_For} as the sidecar's.
     */
    static boolean isForwardedLookAlike(CharSequence name) {
        return HeaderFolding.sameField(name, RequestRewriter.X_FORWARDED_CLIENT_CERT)
                || isLookAlike(name, RequestRewriter.X_FORWARDED_FOR)
                || isLookAlike(name, RequestRewriter.X_FORWARDED_PROTO)
                || isLookAlike(name, RequestRewriter.X_FORWARDED_HOST);
    }

    private static boolean isLookAlike(CharSequence name, AsciiString canonical) {
        return HeaderFolding.sameField(name, canonical) && !canonical.contentEqualsIgnoreCase(name);
    }

    private static boolean isSeparator(char c) {
        return HeaderFolding.isPunctuation(c);
    }

    /** Claims are JSON-shaped: arrays become comma-separated, objects stay JSON. */
    static String render(Object value) {
        if (value instanceof Collection<?> values) {
            StringBuilder sb = new StringBuilder();
            for (Object v : values) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(v);
            }
            return sb.toString();
        }
        if (value instanceof Map) {
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                return "";
            }
        }
        return value.toString();
    }

    /**
     * Header values carry printable ASCII only. Token contents are the issuer's, not ours: percent-encode
     * (UTF-8, RFC 3986) {@code %}, control and non-ASCII characters rather than let them split or corrupt a
     * header. Plain values, the normal case, are returned as they are.
     */
    static String safe(String value) {
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '%') {
                break;
            }
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c < 0x20 || c > 0x7E || c == '%') {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
