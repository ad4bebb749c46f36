package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.header;
import static dev.authsidecar.authenticate.jwt.Jwts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.opts.AllowWeakRSAKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.cli.CliRunner;
import dev.authsidecar.respond.Failure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** RSA keys under 2048 bits never verify a token: a key file with one is refused, a fetched one is skipped. */
final class WeakKeyTest {
    private static final RSAKey WEAK = weakRsa("weak-1024", 1024);
    private static final RSAKey GOOD = Jwts.rsa("good-2048");

    @TempDir
    Path dir;

    private final ScheduledExecutorService executor = Jwts.executor();

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    @Test
    void aKeyFileWithAWeakKeyIsRefusedNamingTheKeyAndTheProvider() throws Exception {
        Providers p = Providers.of("https://weak.example", null);
        p.name = "legacy-idp";
        p.jwksFile = Files.writeString(
                dir.resolve("keys.jwks"), new JWKSet(List.of(GOOD.toPublicJWK(), WEAK.toPublicJWK())).toString(true));

        assertThatThrownBy(() -> new JwtAuthenticator(List.of(p.build()), 8192, executor))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JWT provider 'legacy-idp'")
                .hasMessageContaining("keys.jwks")
                .hasMessageContaining("key 'weak-1024' (RSA 1024 bits)")
                .hasMessageContaining("2048");
    }

    @Test
    void aWeakKeyWithoutKidIsNamedByItsPlaceInTheFile() throws Exception {
        RSAKey noKid = new RSAKey.Builder(WEAK.toRSAPublicKey()).build();
        Providers p = Providers.of("https://weak.example", null);
        p.jwksFile = Files.writeString(
                dir.resolve("keys.jwks"), new JWKSet(List.of(GOOD.toPublicJWK(), noKid)).toString(true));

        assertThatThrownBy(() -> new JwtAuthenticator(List.of(p.build()), 8192, executor))
                .hasMessageContaining("key #2 (no kid) (RSA 1024 bits)");
    }

    @Test
    void checkConfigExits2NamingTheProviderAndTheKey() throws Exception {
        Files.writeString(dir.resolve("keys.jwks"), new JWKSet(WEAK.toPublicJWK()).toString(true));
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), """
                auth:
                  jwt:
                    providers:
                      - name: legacy-idp
                        issuer: https://weak.example
                        audiences: [api]
                        jwksFile: keys.jwks
                """);

        CliRunner.Run r = CliRunner.run(Map.of(), "check-config", "--config", config.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("auth-sidecar: invalid configuration: ")
                .contains("auth.jwt.providers[0]", "key 'weak-1024' (RSA 1024 bits)", "2048")
                .hasLineCount(1);
    }

    @Test
    void aFetchedWeakKeyIsSkippedWithOneWarningAndCounted() throws Exception {
        Logger cacheLog = (Logger) LoggerFactory.getLogger(KeySetCache.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        cacheLog.addAppender(logged);
        try (FakeIdp idp = new FakeIdp().serve(GOOD, WEAK)) {
            Providers p = Providers.of(idp);
            p.name = "remote-idp";
            p.unknownKidInterval = Duration.ZERO;
            try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor)) {
                jwt.start();
                Jwts.eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).hasKeys());

                assertThat(Jwts.resolve(jwt.authenticate(Jwts.token(GOOD, claims(idp.issuer())))))
                        .isInstanceOf(Identity.class);
                // Signed by the weak key: its kid is unknown, so one refetch, which skips it again.
                Jwts.assertRejected(
                        Jwts.resolve(jwt.authenticate(weakToken(idp.issuer()))), Failure.CREDENTIAL_INVALID);
                assertThat(idp.jwksRequests()).isEqualTo(2);
                assertThat(jwt.status().get(0).weakKeysSkipped()).isEqualTo(1);
            }
        } finally {
            cacheLog.detachAppender(logged);
        }
        List<String> warnings = logged.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("'remote-idp'", "key 'weak-1024' (RSA 1024 bits)");
    }

    @Test
    void aFetchedSetOfOnlyWeakKeysLeavesTheProviderWithoutKeysAndSaysWhy() throws Exception {
        try (FakeIdp idp = new FakeIdp().serve(WEAK)) {
            try (JwtAuthenticator jwt =
                    new JwtAuthenticator(List.of(Providers.of(idp).build()), 8192, executor)) {
                jwt.start();
                Jwts.eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).lastError() != null);
                KeySetStatus status = jwt.status().get(0);
                assertThat(status.hasKeys()).isFalse();
                assertThat(status.lastError()).contains("key 'weak-1024' (RSA 1024 bits)");
                Jwts.assertRejected(
                        Jwts.resolve(jwt.authenticate(weakToken(idp.issuer()))), Failure.AUTH_BACKEND_UNAVAILABLE);
            }
        }
    }

    private static String weakToken(String issuer) {
        String input =
                Jwts.b64(json(header(JWSAlgorithm.RS256, WEAK.getKeyID()))) + "." + Jwts.b64(json(claims(issuer)));
        try {
            // Nimbus refuses to sign with a weak key unless told to: an attacker's tooling would not.
            return input + "."
                    + new RSASSASigner(WEAK.toPrivateKey(), Set.of(AllowWeakRSAKey.getInstance()))
                            .sign(new JWSHeader(JWSAlgorithm.RS256), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAKey weakRsa(String kid, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            KeyPair pair = generator.generateKeyPair();
            return new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                    .privateKey(pair.getPrivate())
                    .keyID(kid)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
