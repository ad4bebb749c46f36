package dev.authsidecar.authenticate;

import dev.authsidecar.config.MtlsConfig;
import dev.authsidecar.respond.Failure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * Joins what the bearer token proved with the connection's verified client certificate.
 *
 * <ul>
 *   <li>A bearer token decides the subject when there is one; the certificate then only adds {@code mtls} to the
 *       methods that proved the request (for {@code require.authMethods}).</li>
 *   <li>Without a bearer token, the certificate is the identity: method {@code mtls}, subject from
 *       {@code auth.mtls.subjectFrom}.</li>
 *   <li>A token bound to a certificate (RFC 8705 §3: {@code cnf} with {@code x5t#S256}, in a verified JWT or an
 *       introspection answer) passes only over a connection that presented that very certificate; otherwise it is
 *       refused as an invalid token, so a stolen bound token is useless without the client's private key.</li>
 * </ul>
 */
final class CertificateBinding {
    static final String METHOD = "mtls";

    private CertificateBinding() {}

    /** @param peer the connection's verified client certificate, or {@code null} */
    static AuthOutcome apply(AuthOutcome outcome, ClientCertificate peer, MtlsConfig config) {
        if (outcome instanceof AuthOutcome.Pending pending) {
            return new AuthOutcome.Pending(pending.result().thenApply(o -> apply(o, peer, config)));
        }
        if (outcome instanceof Identity identity) {
            return bound(identity, peer);
        }
        if (outcome == AuthOutcome.ANONYMOUS && peer != null) {
            return identity(peer, config.subjectFrom());
        }
        return outcome;
    }

    private static AuthOutcome bound(Identity identity, ClientCertificate peer) {
        Object cnf = identity.claims().get("cnf");
        if (cnf == null) {
            return identity;
        }
        String expected = boundThumbprint(identity.claims());
        if (expected == null || expected.isEmpty()) {
            // Bound to a key by a method the sidecar cannot check (DPoP's jkt, a jwk, a malformed cnf): accepting it
            // as a plain bearer token would undo the binding its issuer asked for.
            return new AuthOutcome.Rejected(
                    Failure.CREDENTIAL_INVALID,
                    "this token is bound to a key (cnf) by a "
                            + "method the sidecar cannot check; only certificate binding (x5t#S256) is supported");
        }
        if (peer == null) {
            return new AuthOutcome.Rejected(
                    Failure.CREDENTIAL_INVALID,
                    "this token is bound to a client certificate "
                            + "(RFC 8705); send it over a connection that presents that certificate");
        }
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), peer.thumbprint().getBytes(StandardCharsets.US_ASCII))) {
            return new AuthOutcome.Rejected(
                    Failure.CREDENTIAL_INVALID, "this token is bound to a different client certificate");
        }
        return identity;
    }

    /**
     * {@code cnf.x5t#S256}; {@code null} when the token is not certificate-bound; the empty string when its
     * {@code cnf} is not an object holding just a string thumbprint (which binds to nothing we can check: refused,
     * never ignored).
     */
    static String boundThumbprint(Map<String, Object> claims) {
        Object cnf = claims.get("cnf");
        if (cnf == null) {
            return null;
        }
        if (!(cnf instanceof Map<?, ?> m) || m.size() != 1 || !(m.get("x5t#S256") instanceof String s)) {
            return cnf instanceof Map<?, ?> other && !other.containsKey("x5t#S256") ? null : "";
        }
        return s;
    }

    private static AuthOutcome identity(ClientCertificate peer, MtlsConfig.SubjectFrom from) {
        String subject = peer.subject(from);
        if (subject == null) {
            return new AuthOutcome.Rejected(
                    Failure.CREDENTIAL_INVALID,
                    "the client certificate has no "
                            + switch (from) {
                                case URI_SAN -> "URI subject alternative name";
                                case DNS_SAN -> "DNS subject alternative name";
                                case SUBJECT_CN -> "subject common name";
                            }
                            + " to take the subject from");
        }
        return new Identity(
                subject,
                METHOD,
                peer.cert().getIssuerX500Principal().getName(),
                List.of(),
                null,
                Map.of(),
                peer.cert().getNotAfter().toInstant().getEpochSecond(),
                null);
    }
}
