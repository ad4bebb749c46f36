package dev.authsidecar.tls;

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
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificate chains and PKCS#8 keys for both ends of the sidecar's TLS: the listener
 * ({@code server.tls}) and the connection to the application ({@code upstream}). Each error names the
 * configuration key whose file is at fault and what is wrong with it, never key content.
 */
final class PemFiles {
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private PemFiles() {}

    static List<X509Certificate> certificates(Path file, String key) throws TlsException {
        String text = read(file, key);
        List<X509Certificate> out = new java.util.ArrayList<>();
        Matcher m = PEM.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (!m.group(1).equals("CERTIFICATE")) {
                    throw new TlsException(
                            key,
                            file + ": holds a " + m.group(1) + " block; expected only CERTIFICATE " + "blocks"
                                    + (m.group(1).contains("PRIVATE KEY") ? " (is this the key file?)" : ""));
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

    static PrivateKey privateKey(Path file, X509Certificate cert, String key) throws TlsException {
        String text = read(file, key);
        Matcher m = PEM.matcher(text);
        if (!m.find()) {
            throw new TlsException(key, file + ": no PEM private key (-----BEGIN PRIVATE KEY-----) found");
        }
        String type = m.group(1);
        switch (type) {
            case "PRIVATE KEY" -> {}
            case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
                throw new TlsException(
                        key,
                        file + ": " + type
                                + " (PKCS#1/SEC1) is not supported; convert it to PKCS#8 with "
                                + "`openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem`, or set "
                                + "privateKey.encoding: PKCS8 in the cert-manager Certificate");
            case "ENCRYPTED PRIVATE KEY" ->
                throw new TlsException(
                        key,
                        file + ": the key is encrypted; store "
                                + "it unencrypted (`openssl pkcs8 -topk8 -nocrypt`) and protect the file instead");
            default -> throw new TlsException(key, file + ": holds a " + type + " block; expected a PRIVATE KEY");
        }
        String algorithm = cert.getPublicKey().getAlgorithm();
        PrivateKey privateKey;
        try {
            privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der(m, file, key)));
        } catch (GeneralSecurityException e) {
            throw new TlsException(
                    key,
                    file + ": not a valid " + algorithm + " private key (the certificate's " + "key is " + algorithm
                            + ")");
        }
        if (!matches(privateKey, cert, key)) {
            String certKey = key.substring(key.lastIndexOf('.') + 1).replace("keyFile", "certFile");
            throw new TlsException(
                    key,
                    file + ": this private key does not belong to the certificate in " + certKey + " ("
                            + cert.getSubjectX500Principal().getName() + ")");
        }
        return privateKey;
    }

    /** Signs a random challenge and verifies it with the certificate: a mismatch would fail every handshake. */
    private static boolean matches(PrivateKey key, X509Certificate cert, String keyPath) throws TlsException {
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
                s.setParameter(new java.security.spec.PSSParameterSpec(
                        "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(challenge);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                v.setParameter(new java.security.spec.PSSParameterSpec(
                        "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            v.initVerify(cert.getPublicKey());
            v.update(challenge);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new TlsException(keyPath, "cannot check that the key matches the certificate: " + e.getMessage());
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
