package dev.authsidecar.config;

/**
 * {@code auth.mtls}: what a verified client certificate (see {@code server.tls.clientAuth}) tells the application.
 *
 * @param subjectFrom the certificate field that becomes {@code X-Auth-Subject}
 * @param forwardClientCert pass the verified certificate's details on in {@code X-Forwarded-Client-Cert}
 */
public record MtlsConfig(SubjectFrom subjectFrom, boolean forwardClientCert) {
    public static final MtlsConfig DEFAULT = new MtlsConfig(SubjectFrom.URI_SAN, false);

    public enum SubjectFrom {
        /** The first URI subject alternative name: a SPIFFE ID such as spiffe://cluster.local/ns/x/sa/y. */
        URI_SAN,
        /** The first DNS subject alternative name. */
        DNS_SAN,
        /** The subject's common name. */
        SUBJECT_CN
    }
}
