package dev.authsidecar.authenticate.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * Verifies EdDSA signatures by Ed25519 keys (RFC 8037) with the JDK's own implementation (JDK 15+). Nimbus has a
 * verifier for them too, but it needs Google Tink; this one needs only the JDK, which does all the curve
 * arithmetic. Ed448 is not supported.
 */
final class JdkEd25519Verifier implements JWSVerifier {
    /** {@code EdDSA} as RFC 8037 names it, and its fully specified form {@code Ed25519} (RFC 9864). */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    /**
     * DER of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410 §4) up to the key: SEQUENCE { SEQUENCE { OID
     * 1.3.101.112 }, BIT STRING of 33 bytes, the first saying no bits are unused }. The raw 32-byte key follows.
     */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private static final int KEY_BYTES = 32;
    private static final int SIGNATURE_BYTES = 64;

    private final PublicKey key;
    private final JCAContext jca = new JCAContext();

    /** @throws JOSEException when the key is not on Ed25519 or its {@code x} is not a point of the curve */
    JdkEd25519Verifier(OctetKeyPair jwk) throws JOSEException {
        if (!Curve.Ed25519.equals(jwk.getCurve())) {
            throw new JOSEException("not an Ed25519 key: " + jwk.getCurve());
        }
        byte[] x = jwk.getDecodedX();
        if (x.length != KEY_BYTES) {
            throw new JOSEException("an Ed25519 key has 32 bytes, this one " + x.length);
        }
        byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + KEY_BYTES);
        System.arraycopy(x, 0, spki, SPKI_PREFIX.length, KEY_BYTES);
        try {
            this.key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            // The JDK decodes the point only when a signature is set up; doing it once here means a key that is
            // no point of the curve is left out of the key set instead of failing every token.
            newSignature();
        } catch (GeneralSecurityException e) {
            throw new JOSEException("unusable Ed25519 key: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw new JOSEException("an Ed25519 key does not verify " + header.getAlgorithm());
        }
        byte[] sig = signature.decode();
        if (sig.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            // A Signature is not thread-safe and this verifier is shared by every event loop.
            Signature verifier = newSignature();
            verifier.update(signingInput);
            return verifier.verify(sig);
        } catch (SignatureException e) {
            // The JDK reports some malformed signatures (s not below the group order) this way.
            return false;
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Ed25519 verification failed: " + e.getMessage(), e);
        }
    }

    private Signature newSignature() throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        return s;
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
