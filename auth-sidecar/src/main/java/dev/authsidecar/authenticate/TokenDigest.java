package dev.authsidecar.authenticate;

import io.netty.util.concurrent.FastThreadLocal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a token, with one reusable digest per thread (event loops hash on every request). */
final class TokenDigest {
    private static final FastThreadLocal<MessageDigest> SHA256 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-256");
        }
    };

    private TokenDigest() {}

    private static final FastThreadLocal<byte[]> BUFFER = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[1024];
        }
    };

    /**
     * The SHA-256 of {@code value} from {@code from} to its end, copied into a reused per-thread buffer rather
     * than a new string and byte array: this runs for every request that is not answered by the memo.
     */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char is exactly
    // right for token68, which the caller has already checked is ASCII.
    static byte[] sha256(String value, int from) {
        int n = value.length() - from;
        byte[] buf = BUFFER.get();
        if (buf.length < n) {
            buf = new byte[Math.max(n, buf.length * 2)];
            BUFFER.set(buf);
        }
        value.getBytes(from, value.length(), buf, 0);
        MessageDigest sha = SHA256.get();
        sha.update(buf, 0, n);
        return sha.digest();
    }
}
