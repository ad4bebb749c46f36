package dev.authsidecar.authenticate.jwt;

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
 * TLS that trusts exactly the certificates of a PEM bundle, such as a cluster's {@code ca.crt}. Read once: a
 * cluster CA outlives the Pod that mounts it.
 */
final class CaBundle {
    private CaBundle() {
    }

    /** @throws IllegalArgumentException naming the provider and file when the bundle cannot be used */
    static SSLContext sslContext(String provider, Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("JWT provider '" + provider + "': caFile " + caFile
                        + " holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : certs) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("JWT provider '" + provider + "': cannot use caFile " + caFile + ": "
                    + e.getMessage(), e);
        }
    }
}
