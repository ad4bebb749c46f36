package dev.authsidecar.authenticate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.MtlsConfig;
import dev.authsidecar.respond.Failure;
import dev.authsidecar.tls.TestCertificates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The subject taken from each certificate field, and the binding check on its own. */
final class CertificateBindingTest {
    static final TestCertificates.Issued CA = TestCertificates.ca("ca");
    static final ClientCertificate FULL = ClientCertificate.of(TestCertificates.leaf(
                    CA,
                    "billing",
                    "EC",
                    Instant.now(),
                    Instant.now().plus(Duration.ofDays(1)),
                    List.of(
                            TestCertificates.uri("spiffe://td/ns/a/sa/b"),
                            TestCertificates.dns("billing.a.svc"),
                            TestCertificates.uri("spiffe://td/second")))
            .cert());
    static final ClientCertificate BARE = ClientCertificate.of(
            TestCertificates.leaf(CA, "bare", "EC", Instant.now(), Instant.now().plus(Duration.ofDays(1)), List.of())
                    .cert());

    @ParameterizedTest
    @CsvSource({"URI_SAN, spiffe://td/ns/a/sa/b", "DNS_SAN, billing.a.svc", "SUBJECT_CN, billing"})
    void eachSubjectFrom(MtlsConfig.SubjectFrom from, String subject) {
        AuthOutcome o = CertificateBinding.apply(AuthOutcome.ANONYMOUS, FULL, new MtlsConfig(from, false));

        assertThat(o).isInstanceOfSatisfying(Identity.class, i -> {
            assertThat(i.subject()).isEqualTo(subject);
            assertThat(i.method()).isEqualTo("mtls");
            assertThat(i.issuer()).isEqualTo("CN=ca");
        });
    }

    @Test
    void aCertificateWithoutTheFieldIsRefusedNotAnonymous() {
        AuthOutcome o = CertificateBinding.apply(AuthOutcome.ANONYMOUS, BARE, MtlsConfig.DEFAULT);

        assertThat(o).isInstanceOfSatisfying(AuthOutcome.Rejected.class, r -> {
            assertThat(r.failure()).isEqualTo(Failure.CREDENTIAL_INVALID);
            assertThat(r.detail()).contains("no URI subject alternative name");
        });
        assertThat(CertificateBinding.apply(
                        AuthOutcome.ANONYMOUS, BARE, new MtlsConfig(MtlsConfig.SubjectFrom.SUBJECT_CN, false)))
                .isInstanceOf(Identity.class);
    }

    @Test
    void withoutACertificateNothingChanges() {
        Identity key = Identity.apiKey("alice");
        assertThat(CertificateBinding.apply(AuthOutcome.ANONYMOUS, null, MtlsConfig.DEFAULT))
                .isSameAs(AuthOutcome.ANONYMOUS);
        assertThat(CertificateBinding.apply(key, null, MtlsConfig.DEFAULT)).isSameAs(key);
        assertThat(CertificateBinding.apply(key, FULL, MtlsConfig.DEFAULT))
                .as("the token decides")
                .isSameAs(key);
    }

    @Test
    void boundTokensAlsoWhenTheAnswerArrivesLater() throws Exception {
        Identity bound = new Identity(
                "alice",
                "introspection",
                null,
                List.of(),
                null,
                Map.of("cnf", Map.of("x5t#S256", FULL.thumbprint())),
                Identity.NEVER,
                null);
        java.util.concurrent.CompletableFuture<AuthOutcome> later = new java.util.concurrent.CompletableFuture<>();

        AuthOutcome pending = CertificateBinding.apply(new AuthOutcome.Pending(later), BARE, MtlsConfig.DEFAULT);
        later.complete(bound);

        assertThat(((AuthOutcome.Pending) pending).result().get()).isInstanceOf(AuthOutcome.Rejected.class);
        assertThat(CertificateBinding.apply(bound, FULL, MtlsConfig.DEFAULT)).isSameAs(bound);
    }

    /** A binding the sidecar cannot check is refused, never taken as a plain bearer token (RFC 7800 cnf). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("uncheckableBindings")
    void aTokenBoundByAnotherMethodIsRefused(Object cnf) {
        Identity bound = new Identity("alice", "jwt", null, List.of(), null, Map.of("cnf", cnf), Identity.NEVER, null);

        assertThat(CertificateBinding.apply(bound, FULL, MtlsConfig.DEFAULT))
                .isInstanceOfSatisfying(
                        AuthOutcome.Rejected.class, r -> assertThat(r.failure()).isEqualTo(Failure.CREDENTIAL_INVALID));
        assertThat(CertificateBinding.apply(bound, null, MtlsConfig.DEFAULT)).isInstanceOf(AuthOutcome.Rejected.class);
    }

    static List<Object> uncheckableBindings() {
        return List.of(
                Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"),
                Map.of("jwk", Map.of("kty", "EC")),
                Map.of("x5t#S256", 42),
                Map.of("x5t#S256", "abc", "jkt", "def"),
                "x5t",
                List.of("x5t#S256"),
                Map.of());
    }

    @Test
    void forwardedClientCertQuotesWhatCouldAddAField() {
        ClientCertificate odd = ClientCertificate.of(TestCertificates.leaf(
                        CA,
                        "x",
                        "EC",
                        Instant.now(),
                        Instant.now().plus(Duration.ofDays(1)),
                        List.of(TestCertificates.uri("spiffe://td/a;URI=evil")))
                .cert());

        assertThat(odd.forwardedClientCert()).endsWith(";URI=\"spiffe://td/a;URI=evil\"");
    }

    @Test
    void commonNameFromRfc2253() {
        assertThat(ClientCertificate.commonName("CN=billing,O=Acme")).isEqualTo("billing");
        assertThat(ClientCertificate.commonName("OU=x+CN=a\\,b,O=Acme")).isEqualTo("a,b");
        assertThat(ClientCertificate.commonName("CN=caf\\C3\\A9\\+x,CN=outer")).isEqualTo("caf\u00e9+x");
        assertThat(ClientCertificate.commonName("O=Acme")).isNull();
        assertThat(ClientCertificate.commonName("CN=#0403616263")).isNull();
        assertThat(FULL.commonName()).isEqualTo("billing");
    }
}
