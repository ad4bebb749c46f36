package dev.authsidecar.authenticate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Successful verifications, so a token is checked once and then only looked up. Keyed by the token's SHA-256,
 * so no usable token sits in the cache; an entry expires with the token and {@code exp} is checked again on
 * every hit. Only successes are stored: a refused token is verified again each time.
 */
final class CredentialCache {
    private final Cache<String, Identity> cache;

    CredentialCache(int maxEntries) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .recordStats()
                .expireAfter(new Expiry<String, Identity>() {
                    @Override
                    public long expireAfterCreate(String key, Identity identity, long currentTime) {
                        long seconds = identity.expiresAtEpochSecond() - System.currentTimeMillis() / 1000;
                        return TimeUnit.SECONDS.toNanos(Math.max(0, Math.min(seconds, 86_400)));
                    }

                    @Override
                    public long expireAfterUpdate(String key, Identity identity, long currentTime, long duration) {
                        return expireAfterCreate(key, identity, currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Identity identity, long currentTime, long duration) {
                        return duration;
                    }
                })
                .build();
    }

    /** The digest as a 32-char Latin-1 string: cheap to hash and compare, and not the token. */
    static String keyOf(String value, int from) {
        byte[] digest = TokenDigest.sha256(value, from);
        return new String(digest, StandardCharsets.ISO_8859_1);
    }

    Identity get(String key) {
        Identity identity = cache.getIfPresent(key);
        if (identity != null && identity.isExpired(System.currentTimeMillis() / 1000)) {
            cache.invalidate(key);
            return null;
        }
        return identity;
    }

    void put(String key, Identity identity) {
        cache.put(key, identity);
    }

    long hits() {
        return cache.stats().hitCount();
    }

    long misses() {
        return cache.stats().missCount();
    }
}
