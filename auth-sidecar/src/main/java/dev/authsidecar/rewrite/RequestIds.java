package dev.authsidecar.rewrite;

import io.netty.util.AsciiString;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Request ids: the client's when it is sane, else a fresh random UUID. */
public final class RequestIds {
    public static final AsciiString HEADER = AsciiString.cached("x-request-id");
    private static final int MAX_LENGTH = 128;

    private RequestIds() {}

    public static String accept(String incoming) {
        return incoming != null && isSane(incoming) ? incoming : generate();
    }

    /** Not a secret, so ThreadLocalRandom (no contention, no entropy pool) is enough. */
    public static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** Ids end up in logs and other services' headers: printable, no separators that could split a log line. */
    static boolean isSane(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == ':'
                    || c == '+'
                    || c == '/'
                    || c == '=';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
