package dev.authsidecar.bench;

import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Authentication;
import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
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
 * An API key: {@code Authentication.authenticate(headers)} with API keys only — find the token, SHA-256 it and
 * compare it in constant time with every configured hash.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ApiKeyBenchmark {
    /** How many keys are configured; every one is compared on every request. */
    @Param({"1", "10"})
    public int keys;

    private Authentication authentication;
    private HttpHeaders headers;
    /** API keys only: the authenticate stage never hands it work, so it never starts a thread. */
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @Setup
    public void setUp() throws Exception {
        SecureRandom random = new SecureRandom();
        StringBuilder yaml = new StringBuilder("auth:\n  apiKeys:\n");
        String presented = null;
        for (int i = 0; i < keys; i++) {
            byte[] raw = new byte[24];
            random.nextBytes(raw);
            presented = "sk_bench-" + HexFormat.of().formatHex(raw);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(presented.getBytes(StandardCharsets.US_ASCII));
            yaml.append("    - name: client-")
                    .append(i)
                    .append("\n      sha256: ")
                    .append(HexFormat.of().formatHex(hash))
                    .append('\n');
        }
        Path dir = Files.createTempDirectory("auth-sidecar-jmh");
        try {
            authentication = new Authentication(Tokens.loadAuth(dir, yaml.toString()), executor);
        } finally {
            Files.delete(dir);
        }
        headers = Tokens.requestHeaders(presented);
        if (!(authentication.authenticate(headers) instanceof Identity)) {
            throw new IllegalStateException("the key was not accepted");
        }
    }

    @TearDown
    public void tearDown() {
        authentication.close();
        executor.shutdownNow();
    }

    @Benchmark
    public AuthOutcome authenticateApiKey() {
        return authentication.authenticate(headers);
    }
}
