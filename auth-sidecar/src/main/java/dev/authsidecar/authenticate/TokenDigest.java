package dev.authsidecar.authenticate;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
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

    private TokenDigest() {
    }

    /** Tokens are token68 (ASCII), so Latin-1 encoding is a plain, intrinsic byte copy. */
    static byte[] sha256(String token) {
        return SHA256.get().digest(token.getBytes(StandardCharsets.ISO_8859_1));
    }
}
