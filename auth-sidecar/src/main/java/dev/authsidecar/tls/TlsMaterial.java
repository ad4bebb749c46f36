package dev.authsidecar.tls;

import dev.authsidecar.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One generation of the listener's certificate material, read from the PEM files and turned into a Netty
 * {@link SslContext}. Built at start-up and again on every rotation; a connection keeps the context it started
 * with.
 *
 * <p>Keys must be PKCS#8 ({@code BEGIN PRIVATE KEY}). PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}) files are refused with the one command that converts them, rather than pulling
 * BouncyCastle (about 9 MB) into the image for a one-time conversion; cert-manager writes PKCS#8 when the
 * Certificate says {@code privateKey.encoding: PKCS8}. The PEM framing is read here and the key decoded by the JDK,
 * so the outcome does not depend on whether BouncyCastle happens to be on the class path.
 *
 * @param chain the serving certificate first, then its intermediates
 * @param clientCas the certificates that verify client certificates; empty when none are asked for
 */
public record TlsMaterial(SslContext context, List<X509Certificate> chain, List<X509Certificate> clientCas) {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    /** @throws TlsException naming the file and what is wrong with it, never the key's content */
    public static TlsMaterial load(TlsConfig config) throws TlsException {
        List<X509Certificate> chain = certificates(config.certFile(), "certFile");
        PrivateKey key = privateKey(config.keyFile(), chain.get(0));
        List<X509Certificate> cas = config.clientAuth() == TlsConfig.ClientAuth.NONE
                ? List.of() : certificates(config.clientCaFile(), "clientCaFile");
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(SslProvider.JDK)
                    .protocols(config.protocols())
                    .ciphers(config.cipherSuites(), IdentityCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            // A client offering only protocols we do not speak gets http/1.1 rather than an alert:
                            // what nginx and Envoy do, and what curl and old clients expect.
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            config.alpn()));
            switch (config.clientAuth()) {
                case NONE -> b.clientAuth(ClientAuth.NONE);
                case OPTIONAL -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(cas.toArray(X509Certificate[]::new));
                case REQUIRE -> b.clientAuth(ClientAuth.REQUIRE).trustManager(cas.toArray(X509Certificate[]::new));
            }
            return new TlsMaterial(b.build(), List.copyOf(chain), List.copyOf(cas));
        } catch (IOException | RuntimeException e) {
            throw new TlsException("certFile", "cannot build the TLS context: " + e.getMessage());
        }
    }

    /** When the serving certificate (the first of the chain) stops being valid. */
    public Instant servingExpiry() {
        return chain.get(0).getNotAfter().toInstant();
    }

    /** When the first client CA stops being valid, or {@code null} without client certificates. */
    public Instant clientCaExpiry() {
        return clientCas.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElse(null);
    }

    private static List<X509Certificate> certificates(Path file, String key) throws TlsException {
        String text = read(file, key);
        List<X509Certificate> out = new java.util.ArrayList<>();
        Matcher m = PEM.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (!m.group(1).equals("CERTIFICATE")) {
                    throw new TlsException(key, file + ": holds a " + m.group(1) + " block; expected only CERTIFICATE "
                            + "blocks" + (m.group(1).contains("PRIVATE KEY") ? " (is this the key file?)" : ""));
                }
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der(m, file, key))));
            }
        } catch (CertificateException e) {
            throw new TlsException(key, file + ": not a valid X.509 certificate: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new TlsException(key, file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return out;
    }

    private static PrivateKey privateKey(Path file, X509Certificate cert) throws TlsException {
        String text = read(file, "keyFile");
        Matcher m = PEM.matcher(text);
        if (!m.find()) {
            throw new TlsException("keyFile", file + ": no PEM private key (-----BEGIN PRIVATE KEY-----) found");
        }
        String type = m.group(1);
        switch (type) {
            case "PRIVATE KEY" -> { }
            case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new TlsException("keyFile", file + ": " + type
                    + " (PKCS#1/SEC1) is not supported; convert it to PKCS#8 with "
                    + "`openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem`, or set "
                    + "privateKey.encoding: PKCS8 in the cert-manager Certificate");
            case "ENCRYPTED PRIVATE KEY" -> throw new TlsException("keyFile", file + ": the key is encrypted; store "
                    + "it unencrypted (`openssl pkcs8 -topk8 -nocrypt`) and protect the file instead");
            default -> throw new TlsException("keyFile", file + ": holds a " + type + " block; expected a PRIVATE KEY");
        }
        String algorithm = cert.getPublicKey().getAlgorithm();
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der(m, file, "keyFile")));
        } catch (GeneralSecurityException e) {
            throw new TlsException("keyFile", file + ": not a valid " + algorithm + " private key (the certificate's "
                    + "key is " + algorithm + ")");
        }
        if (!matches(key, cert)) {
            throw new TlsException("keyFile", file + ": this private key does not belong to the certificate in "
                    + "certFile (" + cert.getSubjectX500Principal().getName() + ")");
        }
        return key;
    }

    /** Signs a random challenge and verifies it with the certificate: a mismatch would fail every handshake. */
    private static boolean matches(PrivateKey key, X509Certificate cert) throws TlsException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA: the algorithm is the signature scheme
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(challenge);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                v.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new TlsException("keyFile", "cannot check that the key matches the certificate: " + e.getMessage());
        }
    }

    private static byte[] der(Matcher m, Path file, String key) throws TlsException {
        try {
            return Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new TlsException(key, file + ": the " + m.group(1) + " block is not valid base64");
        }
    }

    private static String read(Path file, String key) throws TlsException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsException(key, "cannot read " + file + ": " + e.getMessage());
        }
    }
}
