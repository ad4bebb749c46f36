package dev.authsidecar.authenticate;

import dev.authsidecar.config.MtlsConfig;
import io.netty.util.AttributeKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The client certificate a connection presented and the client CA verified during the handshake. Worked out once
 * per connection (thumbprint, names) and kept as a channel attribute; every request on the connection reads it.
 *
 * @param thumbprint the base64url SHA-256 of the DER encoding: RFC 8705's {@code x5t#S256}
 * @param hash the same digest in hex, as Envoy's {@code X-Forwarded-Client-Cert} writes it
 */
public record ClientCertificate(
        X509Certificate cert,
        String thumbprint,
        String hash,
        List<String> uris,
        List<String> dnsNames,
        String subjectDn,
        String commonName) {
    public static final AttributeKey<ClientCertificate> ATTRIBUTE = AttributeKey.valueOf("client-certificate");

    public static ClientCertificate of(X509Certificate cert) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("a verified certificate re-encodes, and every JDK has SHA-256", e);
        }
        List<String> uris = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 6) {
                        uris.add((String) san.get(1));
                    } else if (type == 2) {
                        dns.add((String) san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A verified certificate whose SANs cannot be parsed has no usable names; subject-cn still works.
        }
        String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        return new ClientCertificate(
                cert,
                Base64.getUrlEncoder().withoutPadding().encodeToString(digest),
                HexFormat.of().formatHex(digest),
                List.copyOf(uris),
                List.copyOf(dns),
                dn,
                commonName(dn));
    }

    /**
     * The most specific CN of an RFC 2253 name, read by the JDK's LDAP name parser (escapes, multi-valued RDNs and
     * UTF-8 hex escapes by RFC 4514's rules, not by hand). LdapName lists RDNs from the least specific, so the
     * search runs backwards. A hex-encoded ({@code #…}) value is not a string: no CN then.
     */
    static String commonName(String dn) {
        List<Rdn> rdns;
        try {
            rdns = new LdapName(dn).getRdns();
        } catch (InvalidNameException | IllegalArgumentException e) {
            return null;
        }
        for (int i = rdns.size() - 1; i >= 0; i--) {
            Attribute cn = rdns.get(i).toAttributes().get("cn");
            if (cn != null) {
                try {
                    return cn.get() instanceof String s ? s : null;
                } catch (NamingException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The field {@code auth.mtls.subjectFrom} names, or {@code null} when the certificate lacks it. */
    public String subject(MtlsConfig.SubjectFrom from) {
        return switch (from) {
            case URI_SAN -> uris.isEmpty() ? null : uris.get(0);
            case DNS_SAN -> dnsNames.isEmpty() ? null : dnsNames.get(0);
            case SUBJECT_CN -> commonName;
        };
    }

    /**
     * The {@code X-Forwarded-Client-Cert} element for this certificate, in Envoy's format: {@code Hash}, the
     * quoted {@code Subject}, then every {@code URI} and {@code DNS} name. Values with {@code , ; = "} are quoted,
     * with {@code "} and {@code \} escaped, so a crafted name cannot add a field or an element.
     */
    public String forwardedClientCert() {
        StringBuilder sb = new StringBuilder("Hash=").append(hash);
        sb.append(";Subject=").append(quote(subjectDn));
        for (String u : uris) {
            sb.append(";URI=").append(value(u));
        }
        for (String d : dnsNames) {
            sb.append(";DNS=").append(value(d));
        }
        return sb.toString();
    }

    private static String value(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == ',' || c == ';' || c == '=' || c == '"' || c == '\\' || c < 0x21 || c > 0x7E) {
                return quote(v);
            }
        }
        return v;
    }

    private static String quote(String v) {
        StringBuilder sb = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            // Header values are printable ASCII; anything else is percent-encoded like the other identity headers.
            if (c < 0x20 || c > 0x7E) {
                for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    sb.append('%').append(String.format("%02X", b & 0xFF));
                }
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
