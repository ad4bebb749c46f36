package dev.authsidecar.authenticate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds a TLS context that trusts exactly the certificates of a PEM bundle (a cluster's own CA, a private
 * IdP's CA), like {@code curl --cacert}: the bundle replaces the JDK's trust store rather than adding to it.
 * Read once, by the JWKS and introspection clients: a cluster CA outlives the Pod that mounts it.
 */
public final class TrustedCertificates {
    private TrustedCertificates() {}

    /** @throws IOException naming the file when it cannot be read or holds no usable certificate */
    public static SSLContext sslContext(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IOException(caFile + ": no certificate found");
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(caFile + ": not a usable PEM certificate bundle (" + e.getMessage() + ")", e);
        }
    }
}
