package dev.authsidecar.bench;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.CredentialMemo;
import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path of a JWT already verified: {@code Authentication.authenticate(headers)} finds the bearer token,
 * hashes it (SHA-256), looks the hash up in the verified-credential cache and re-checks {@code exp}. Target
 * (issue #3): at most 1 µs. A keep-alive connection repeating its token is answered by the connection's
 * memo before any of that ({@link #authenticateRememberedJwt}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CacheHitBenchmark {
    private Tokens tokens;
    private ScheduledExecutorService executor;
    private Authentication authentication;
    private HttpHeaders headers;
    private final CredentialMemo memo = new CredentialMemo();

    @Setup
    public void setUp() throws Exception {
        tokens = new Tokens();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jwt-keys");
            t.setDaemon(true);
            return t;
        });
        authentication = new Authentication(tokens.authConfig(), executor);
        authentication.start();
        headers = Tokens.requestHeaders(tokens.token("RS256"));
        // The first call verifies the signature and fills the cache; every measured call is a hit.
        AuthOutcome first = authentication.authenticate(headers);
        if (!(first instanceof Identity)) {
            throw new IllegalStateException("the token was not accepted: " + first);
        }
    }

    @TearDown
    public void tearDown() {
        authentication.close();
        executor.shutdownNow();
        tokens.close();
    }

    /** A new connection (or another client) presenting a token verified before: SHA-256 + cache lookup. */
    @Benchmark
    public AuthOutcome authenticateCachedJwt() {
        return authentication.authenticate(headers);
    }

    /** A keep-alive connection presenting the same token again: the per-connection memo answers. */
    @Benchmark
    public AuthOutcome authenticateRememberedJwt() {
        return authentication.authenticate(headers, memo);
    }
}
