package dev.authsidecar.authenticate;

import dev.authsidecar.config.ApiKey;
import java.security.MessageDigest;
import java.util.List;

/**
 * Recognizes API keys by the SHA-256 of the presented token. Every configured hash is compared, in constant
 * time, whether or not an earlier one matched, so timing says nothing about which keys exist.
 */
final class ApiKeyAuthenticator {
    static final String METHOD = "api-key";

    private final byte[][] hashes;
    private final Identity[] identities;

    ApiKeyAuthenticator(List<ApiKey> keys) {
        hashes = new byte[keys.size()][];
        identities = new Identity[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            hashes[i] = keys.get(i).sha256();
            identities[i] = Identity.apiKey(keys.get(i).name());
        }
    }

    /**
     * @param from where the token starts in {@code value}; it runs to the end
     * @return the key's identity, or {@code null} when the token is no configured key
     */
    Identity authenticate(String value, int from) {
        byte[] presented = TokenDigest.sha256(value, from);
        Identity found = null;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(presented, hashes[i])) {
                found = identities[i];
            }
        }
        return found;
    }
}
