package dev.authsidecar.authenticate.jwt;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.nimbusds.jose.util.Base64URL;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A JWS compact serialization taken apart, before anything in it is trusted. Header and payload are parsed
 * with Jackson in strict mode because the signature covers their bytes, not their meaning: a lenient parser
 * that keeps the last of two {@code sub} members would let a token say different things to different readers.
 * The payload is parsed only here; Nimbus sees the signing input and the signature, nothing else.
 */
final class CompactJwt {
    private static final ObjectReader STRICT_OBJECT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build()
            .readerFor(new TypeReference<LinkedHashMap<String, Object>>() {});
    private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

    final Map<String, Object> header;
    final Map<String, Object> claims;
    private final String token;
    private final byte[] ascii;
    private final int secondDot;

    private CompactJwt(
            String token, byte[] ascii, int secondDot, Map<String, Object> header, Map<String, Object> claims) {
        this.token = token;
        this.ascii = ascii;
        this.secondDot = secondDot;
        this.header = header;
        this.claims = claims;
    }

    static CompactJwt parse(String token) throws Reject {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0) {
            throw Reject.MALFORMED;
        }
        int third = token.indexOf('.', second + 1);
        if (third >= 0) {
            int fourth = token.indexOf('.', third + 1);
            boolean fiveParts = fourth >= 0 && token.indexOf('.', fourth + 1) < 0;
            throw fiveParts ? Reject.ENCRYPTED : Reject.MALFORMED;
        }
        // An empty signature is an unsecured JWT; empty header or payload is nothing at all.
        if (first == 0 || second == first + 1 || second == token.length() - 1) {
            throw Reject.MALFORMED;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!isBase64Url(c) && c != '.') {
                throw Reject.NOT_BASE64URL;
            }
        }
        if (!canonical(token, 0, first)
                || !canonical(token, first + 1, second)
                || !canonical(token, second + 1, token.length())) {
            throw Reject.NOT_CANONICAL;
        }
        byte[] ascii = token.getBytes(StandardCharsets.US_ASCII);
        Map<String, Object> header = json(ascii, 0, first);
        Map<String, Object> claims = json(ascii, first + 1, second);
        return new CompactJwt(token, ascii, second, header, claims);
    }

    /**
     * Whether {@code token[from, to)}, already known to be base64url characters, is the one encoding of its bytes
     * (RFC 4648 §3.5, §5; RFC 7515 §2): no length that leaves 6 stray bits, and zero bits in whatever the last
     * character carries beyond the last byte. Decoders (the JDK's, Nimbus's) ignore those bits, so without this
     * check up to 16 spellings of one signature verify, and anything keyed on the token text (the credential
     * cache, a deny-list, logs) could be sidestepped by re-spelling a token.
     */
    static boolean canonical(String token, int from, int to) {
        int rest = (to - from) % 4;
        if (rest == 0) {
            return true;
        }
        if (rest == 1) {
            return false;
        }
        int last = sextet(token.charAt(to - 1));
        // Two characters carry 12 bits for one byte (4 unused); three carry 18 bits for two bytes (2 unused).
        return (last & (rest == 2 ? 0x0F : 0x03)) == 0;
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : 63;
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static Map<String, Object> json(byte[] ascii, int from, int to) throws Reject {
        ByteBuffer decoded;
        try {
            decoded = BASE64URL.decode(ByteBuffer.wrap(ascii, from, to - from));
        } catch (IllegalArgumentException e) {
            throw Reject.NOT_BASE64URL;
        }
        try {
            Map<String, Object> map = STRICT_OBJECT.readValue(
                    decoded.array(), decoded.arrayOffset() + decoded.position(), decoded.remaining());
            if (map == null) {
                throw Reject.NOT_JSON;
            }
            return map;
        } catch (IOException e) {
            throw Reject.NOT_JSON;
        }
    }

    /** The bytes the signature covers: {@code header.payload} as sent. */
    byte[] signingInput() {
        return Arrays.copyOf(ascii, secondDot);
    }

    Base64URL signature() {
        return new Base64URL(token.substring(secondDot + 1));
    }

    /** The payload segment as sent, which is exactly the base64url JSON the application may receive. */
    String payloadSegment() {
        return token.substring(token.indexOf('.') + 1, secondDot);
    }
}
