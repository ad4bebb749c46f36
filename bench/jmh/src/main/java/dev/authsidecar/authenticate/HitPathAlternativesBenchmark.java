package dev.authsidecar.authenticate;

import dev.authsidecar.bench.Tokens;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Experiments, not product code: two cheaper ways to answer a cache hit, measured beside the real one
 * ({@code CacheHitBenchmark}) to size the suggestions made for {@link Authentication} and {@link CredentialCache}.
 * Both give the same answers as the real path for the requests measured here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HitPathAlternativesBenchmark {
    /**
     * token68 characters as a table indexed by byte, so the scan is one load per byte. Scanning the chars of the
     * String instead ({@code charAt} plus a chain of range comparisons, as {@code BearerCredential} does) measured
     * about twice as slow here, and {@code charAt} plus this table slower still.
     */
    private static final byte[] TOKEN68 = new byte[256];

    static {
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
        for (int i = 0; i < chars.length(); i++) {
            TOKEN68[chars.charAt(i)] = 1;
        }
    }

    private HttpHeaders headers;
    private CredentialCache cache;
    private MessageDigest sha256;
    private final byte[] scratch = new byte[8192];
    private Identity identity;
    private String memoHeaderValue;

    @Setup
    public void setUp() throws Exception {
        String token;
        try (Tokens tokens = new Tokens()) {
            token = tokens.token("RS256");
        }
        headers = Tokens.requestHeaders(token);
        sha256 = MessageDigest.getInstance("SHA-256");
        cache = new CredentialCache(10_000);
        identity = new Identity(
                "alice",
                "jwt",
                Tokens.ISSUER,
                List.of("openid", "profile"),
                "web-frontend",
                Map.of("sub", "alice"),
                System.currentTimeMillis() / 1000 + 7200,
                null);
        cache.put(CredentialCache.keyOf(token, 0), identity);
        memoHeaderValue = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (leanHit() != identity || connectionMemoHit() != identity) {
            throw new IllegalStateException("an alternative does not find the cached identity");
        }
    }

    /**
     * The same steps as the real hit, without its copies: no {@code getAll} list; the token copied once into a
     * reused buffer (no substring, no {@code getBytes} array), checked there with a table, and hashed from there.
     * Buffer and digest are held here; in the sidecar they would be the event loop's. The copy keeps the low 8
     * bits of each char: Netty decodes header bytes one to one, but a real version must still refuse chars above
     * 0xFF rather than let them alias token68 bytes.
     */
    @Benchmark
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): a Latin-1 copy into an array we own
    public Identity leanHit() {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        Iterator<String> all = headers.valueStringIterator(HttpHeaderNames.AUTHORIZATION);
        all.next();
        if (all.hasNext()
                || value.length() < 8
                || value.length() - 7 > scratch.length
                || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        int length = value.length() - 7;
        value.getBytes(7, value.length(), scratch, 0);
        int ok = 1;
        for (int i = 0; i < length; i++) {
            ok &= TOKEN68[scratch[i] & 0xff];
        }
        if (ok == 0) {
            return null;
        }
        sha256.update(scratch, 0, length);
        return cache.get(new String(sha256.digest(), StandardCharsets.ISO_8859_1));
    }

    /**
     * A per-connection memo of the last verified {@code Authorization} value: a keep-alive client sending the same
     * token again is answered by one string comparison and the {@code exp} check, before any hashing.
     */
    @Benchmark
    public Identity connectionMemoHit() {
        String value = headers.get(HttpHeaderNames.AUTHORIZATION);
        Iterator<String> all = headers.valueStringIterator(HttpHeaderNames.AUTHORIZATION);
        all.next();
        if (!all.hasNext() && value.equals(memoHeaderValue) && !identity.isExpired(System.currentTimeMillis() / 1000)) {
            return identity;
        }
        return null;
    }
}
