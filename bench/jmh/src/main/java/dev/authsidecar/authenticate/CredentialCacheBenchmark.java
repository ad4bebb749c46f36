package dev.authsidecar.authenticate;

import dev.authsidecar.bench.Tokens;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
 * The cache-hit path of {@code Authentication} taken apart, step by step, to show where its time goes. In this
 * package because {@link CredentialCache} and {@link BearerCredential} are package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CredentialCacheBenchmark {
    private HttpHeaders headers;
    private String token;
    private byte[] tokenBytes;
    private MessageDigest sha256;
    private CredentialCache cache;
    private String key;

    @Setup
    public void setUp() throws Exception {
        try (Tokens tokens = new Tokens()) {
            token = tokens.token("RS256");
        }
        headers = Tokens.requestHeaders(token);
        tokenBytes = token.getBytes(StandardCharsets.ISO_8859_1);
        sha256 = MessageDigest.getInstance("SHA-256");
        cache = new CredentialCache(10_000);
        key = CredentialCache.keyOf(token, 0);
        long exp = System.currentTimeMillis() / 1000 + 7200;
        cache.put(
                key,
                new Identity(
                        "alice",
                        "jwt",
                        Tokens.ISSUER,
                        List.of("openid", "profile"),
                        "web-frontend",
                        Map.of("sub", "alice"),
                        exp,
                        null));
        if (cache.get(key) == null) {
            throw new IllegalStateException("no hit");
        }
    }

    /** Finding the token in {@code Authorization}: one header look-up, the scheme (the token68 scan runs only on a cache miss). */
    @Benchmark
    public int extractBearer() throws BearerCredential.Refused {
        return BearerCredential.tokenStart(BearerCredential.header(headers), 8192);
    }

    /** The cache key: token to bytes, SHA-256, digest to a String. */
    @Benchmark
    public String cacheKey() {
        return CredentialCache.keyOf(token, 0);
    }

    /** SHA-256 of the token's bytes alone (no conversion, a digest held here rather than a thread-local). */
    @Benchmark
    public byte[] sha256Only() {
        return sha256.digest(tokenBytes);
    }

    /** The Caffeine look-up and the {@code exp} check, with the key already made. */
    @Benchmark
    public Identity cacheGet() {
        return cache.get(key);
    }
}
