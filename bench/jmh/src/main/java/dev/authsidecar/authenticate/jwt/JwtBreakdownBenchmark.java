package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.authsidecar.bench.Tokens;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cache miss taken apart: parsing the token (strict Jackson over both JSON segments) and the signature check
 * alone, with the verifier the key set built for the key. In this package because {@link CompactJwt} and
 * {@link KeySet} are package-private.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class JwtBreakdownBenchmark {

    @State(Scope.Benchmark)
    public static class Parse {
        String token;

        @Setup
        public void setUp() {
            try (Tokens tokens = new Tokens()) {
                token = tokens.token("RS256");
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Sign {
        @Param({"RS256", "PS256", "ES256", "EdDSA"})
        public String alg;

        KeySet.Key key;
        JWSHeader header;
        byte[] signingInput;
        Base64URL signature;

        @Setup
        public void setUp() throws Exception {
            try (Tokens tokens = new Tokens()) {
                CompactJwt jwt = CompactJwt.parse(tokens.token(alg));
                KeySet keys = KeySet.parse(tokens.jwks(), "bench", KeySet.Source.FETCHED, System.nanoTime());
                JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
                key = keys.withKid((String) jwt.header.get("kid")).get(0);
                header = new JWSHeader(algorithm);
                signingInput = jwt.signingInput();
                signature = jwt.signature();
                if (!key.verifier().verify(header, signingInput, signature)) {
                    throw new IllegalStateException(alg + " signature does not verify");
                }
            }
        }
    }

    /** Header and payload decoded and parsed, nothing checked: the same for every algorithm. */
    @Benchmark
    public CompactJwt parse(Parse state) throws Reject {
        return CompactJwt.parse(state.token);
    }

    /** The signature alone: what the provider (JDK SunRsaSign / SunEC) costs. */
    @Benchmark
    public boolean signatureOnly(Sign state) throws JOSEException {
        return state.key.verifier().verify(state.header, state.signingInput, state.signature);
    }
}
