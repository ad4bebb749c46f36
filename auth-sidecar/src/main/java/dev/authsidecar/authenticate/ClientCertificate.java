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
import javax.security.auth.x500.X500Principal;

/**
 * The client certificate a connection presented and the client CA verified during the handshake. Worked out once
 * per connection (thumbprint, names) and kept as a channel attribute; every request on the connection reads it.
 *
 * @param thumbprint the base64url SHA-256 of the DER encoding: RFC 8705's {@code x5t#S256}
 * @param hash the same digest in hex, as Envoy's {@code X-Forwarded-Client-Cert} writes it
 */
public record ClientCertificate(X509Certificate cert, String thumbprint, String hash, List<String> uris,
        List<String> dnsNames, String subjectDn, String commonName) {
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
        return new ClientCertificate(cert, Base64.getUrlEncoder().withoutPadding().encodeToString(digest),
                HexFormat.of().formatHex(digest), List.copyOf(uris), List.copyOf(dns), dn, commonName(dn));
    }

    /**
     * The most specific CN of an RFC 2253 name (the JDK's output: RDNs separated by unescaped {@code ,} or
     * {@code +}, special characters escaped with a backslash). javax.naming's LdapName would do this, but the image's
     * runtime leaves the java.naming module out. A hex-encoded ({@code #…}) value is not a string: no CN then.
     */
    static String commonName(String dn) {
        int i = 0;
        while (i < dn.length()) {
            StringBuilder type = new StringBuilder();
            while (i < dn.length() && dn.charAt(i) != '=') {
                type.append(dn.charAt(i++));
            }
            i++; // '='
            StringBuilder value = new StringBuilder();
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            boolean hex = i < dn.length() && dn.charAt(i) == '#';
            while (i < dn.length() && dn.charAt(i) != ',' && dn.charAt(i) != '+') {
                char c = dn.charAt(i++);
                if (c == '\\' && i < dn.length()) {
                    char next = dn.charAt(i);
                    if (i + 1 < dn.length() && HexFormat.isHexDigit(next) && HexFormat.isHexDigit(dn.charAt(i + 1))) {
                        bytes.write(HexFormat.fromHexDigits(dn, i, i + 2));
                        i += 2;
                        continue;
                    }
                    c = next;
                    i++;
                }
                flush(bytes, value);
                value.append(c);
            }
            flush(bytes, value);
            i++; // ',' or '+'
            if (type.toString().strip().equalsIgnoreCase("CN")) {
                return hex ? null : value.toString();
            }
        }
        return null;
    }

    /** Hex-escaped bytes (a backslash and two hex digits each) are UTF-8. */
    private static void flush(java.io.ByteArrayOutputStream bytes, StringBuilder value) {
        if (bytes.size() > 0) {
            value.append(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
            bytes.reset();
        }
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
