package dev.authsidecar.bench;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.authenticate.jwt.JwtAuthenticator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A cache miss: {@code JwtAuthenticator.authenticate(token)} does everything a token costs the first time it is
 * seen — parsing header and payload (strict Jackson), the header policy, the claims, and the signature with the
 * key from a local key file. The authenticator itself caches nothing (the cache sits in {@code Authentication}),
 * so the same token is verified again on every call. Target (issue #3): RS256 at most 50 µs on JDK 25.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class JwtVerifyBenchmark {
    @Param({"RS256", "PS256", "ES256", "EdDSA"})
    public String alg;

    private Tokens tokens;
    private ScheduledExecutorService executor;
    private JwtAuthenticator jwt;
    private String token;

    @Setup
    public void setUp() {
        tokens = new Tokens();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jwt-keys");
            t.setDaemon(true);
            return t;
        });
        jwt = new JwtAuthenticator(tokens.authConfig().jwtProviders(), 8192, executor);
        jwt.start();
        token = tokens.token(alg);
        AuthOutcome outcome = jwt.authenticate(token);
        if (!(outcome instanceof Identity)) {
            throw new IllegalStateException(alg + " token was not accepted: " + outcome);
        }
    }

    @TearDown
    public void tearDown() {
        jwt.close();
        executor.shutdownNow();
        tokens.close();
    }

    @Benchmark
    public AuthOutcome verify() {
        return jwt.authenticate(token);
    }
}
