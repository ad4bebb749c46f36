package dev.authsidecar.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** Certificates made in the test run (BouncyCastle, test scope only): nothing is committed. */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate, signed by {@code issuer} (or by itself). */
    public record Issued(KeyPair keys, X509Certificate cert, Issued issuer) {
        public Path writeCert(Path file) {
            return write(file, pem(cert));
        }

        /** The certificate then its issuer's: what a serving chain file holds. */
        public Path writeChain(Path file) {
            return write(file, pem(cert) + (issuer != null && issuer != this ? pem(issuer.cert) : ""));
        }

        /** PKCS#8, {@code BEGIN PRIVATE KEY}. */
        public Path writeKey(Path file) {
            return write(
                    file,
                    pemObject(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())));
        }

        /** OpenSSL's traditional format: {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY}. */
        public Path writeTraditionalKey(Path file) {
            return write(file, pem(keys));
        }

        /** A JDK client context presenting this certificate and trusting {@code trusted}. */
        public SSLContext clientContext(X509Certificate trusted) {
            return TestCertificates.clientContext(trusted, this);
        }
    }

    private TestCertificates() {}

    public static Issued ca(String cn) {
        KeyPair keys = keys("EC");
        Instant now = Instant.now();
        return new Issued(
                keys,
                sign(
                        new X500Name("CN=" + cn),
                        keys,
                        new X500Name("CN=" + cn),
                        keys.getPrivate(),
                        now.minus(Duration.ofHours(1)),
                        now.plus(Duration.ofDays(2)),
                        true,
                        List.of()),
                null);
    }

    /** A leaf for 127.0.0.1/localhost, valid now, EC key. */
    public static Issued server(Issued ca) {
        return leaf(
                ca,
                "localhost",
                "EC",
                Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)),
                List.of(
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")));
    }

    public static Issued leaf(
            Issued ca, String cn, String keyAlgorithm, Instant notBefore, Instant notAfter, List<GeneralName> sans) {
        KeyPair keys = keys(keyAlgorithm);
        return new Issued(
                keys,
                sign(
                        new X500Name("CN=" + cn),
                        keys,
                        X500Name.getInstance(ca.cert.getSubjectX500Principal().getEncoded()),
                        ca.keys.getPrivate(),
                        notBefore,
                        notAfter,
                        false,
                        sans),
                ca);
    }

    public static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    public static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    public static KeyPair keys(String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else if (algorithm.equals("RSA")) {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(
            X500Name subject,
            KeyPair keys,
            X500Name issuer,
            java.security.PrivateKey issuerKey,
            Instant notBefore,
            Instant notAfter,
            boolean ca,
            List<GeneralName> sans) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer,
                    new BigInteger(64, RANDOM),
                    Date.from(notBefore),
                    Date.from(notAfter),
                    subject,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            }
            if (!sans.isEmpty()) {
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static SSLContext clientContext(X509Certificate trusted, Issued client) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(
                        "client", client.keys.getPrivate(), "pw".toCharArray(), new X509Certificate[] {client.cert});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, "pw".toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String pemObject(PemObject o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static Path write(Path file, String text) {
        try {
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
