package dev.authsidecar.authenticate.jwt;

import static dev.authsidecar.authenticate.jwt.Jwts.claims;
import static dev.authsidecar.authenticate.jwt.Jwts.eventually;
import static dev.authsidecar.authenticate.jwt.Jwts.resolve;
import static dev.authsidecar.authenticate.jwt.Jwts.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.authenticate.Identity;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes service-account setup: keys over https from a server whose certificate only {@code caFile}
 * vouches for, fetched with the bearer token from {@code tokenFile}, re-read on every fetch.
 */
@Timeout(30)
final class TlsFetchTest {
    private static final RSAKey KEY = Jwts.rsa("sa-1");
    private static final RSAKey ROTATED = Jwts.rsa("sa-2");
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static FakeIdp idp;
    private static Path caFile;
    private static ScheduledExecutorService executor;

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("idp.p12");
        caFile = dir.resolve("ca.pem");
        keytool(
                "-genkeypair",
                "-alias",
                "idp",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "idp",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-file",
                caFile.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        idp = new FakeIdp(tls).serve(KEY);
        executor = Jwts.executor();
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
        idp.close();
    }

    @Test
    void keysAreFetchedOverTlsWithTheCurrentTokenFromTheFile() throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "first-token\n");
        Providers p = Providers.of(idp);
        p.caFile = caFile;
        p.tokenFile = tokenFile;
        p.unknownKidInterval = Duration.ZERO;
        try (JwtAuthenticator jwt = new JwtAuthenticator(List.of(p.build()), 8192, executor)) {
            jwt.start();
            eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).hasKeys());
            assertThat(idp.issuer()).startsWith("https://");
            assertThat(jwt.authenticate(token(KEY, claims(idp.issuer())))).isInstanceOf(Identity.class);
            assertThat(idp.authorizations()).last().isEqualTo("Bearer first-token");

            // The kubelet rotates the projected token; the next fetch must present the new one.
            Files.writeString(tokenFile, "second-token");
            idp.serve(KEY, ROTATED);
            assertThat(resolve(jwt.authenticate(token(ROTATED, claims(idp.issuer())))))
                    .isInstanceOf(Identity.class);
            assertThat(idp.authorizations()).last().isEqualTo("Bearer second-token");
        }
    }

    @Test
    void withoutTheCaFileTheServerIsNotTrusted() {
        int before = idp.jwksRequests();
        try (JwtAuthenticator jwt =
                new JwtAuthenticator(List.of(Providers.of(idp).build()), 8192, executor)) {
            jwt.start();
            eventually(Duration.ofSeconds(5), () -> jwt.status().get(0).lastError() != null);
            assertThat(jwt.status().get(0).lastError()).contains("TLS");
            assertThat(jwt.status().get(0).hasKeys()).isFalse();
        }
        assertThat(idp.jwksRequests()).isEqualTo(before);
    }

    @Test
    void anUnusableCaFileIsRefusedAtConstruction() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
        Providers p = Providers.of(idp);
        p.caFile = notPem;
        assertThatThrownBy(() -> new JwtAuthenticator(List.of(p.build()), 8192, executor))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("caFile")
                .hasMessageContaining("not.pem");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
