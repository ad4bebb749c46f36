package dev.authsidecar.authenticate.introspection;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Remembers the endpoint's verdicts, keyed by the token's SHA-256 so that no token sits in memory longer than
 * its request. Active and inactive verdicts live in separate bounded caches: a flood of random tokens fills
 * only the inactive one and cannot evict the identities of real callers. Backend failures are never stored.
 */
final class IntrospectionCache {
    static final int MAX_ENTRIES = 10_000;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    private final Clock clock;
    private final Duration activeTtl;
    private final Duration inactiveTtl;
    private final Cache<String, Identity> active;
    private final Cache<String, AuthOutcome.Rejected> inactive;

    /**
     * @param clock the wall clock that {@code exp} is measured against
     * @param ticker what entry lifetimes are measured with (a fake one in tests)
     */
    IntrospectionCache(Duration activeTtl, Duration inactiveTtl, Clock clock, Ticker ticker) {
        this.clock = clock;
        this.activeTtl = activeTtl;
        this.inactiveTtl = inactiveTtl;
        this.active = Caffeine.newBuilder()
                .maximumSize(MAX_ENTRIES)
                .ticker(ticker)
                .expireAfter(Expiry.<String, Identity>writing((key, identity) -> lifetime(identity)))
                .build();
        this.inactive = Caffeine.newBuilder()
                .maximumSize(MAX_ENTRIES)
                .ticker(ticker)
                .expireAfterWrite(inactiveTtl)
                .build();
    }

    static String keyOf(String token) {
        return HexFormat.of().formatHex(SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** @return the remembered verdict, or {@code null} when the endpoint must be asked */
    AuthOutcome get(String key) {
        Identity identity = active.getIfPresent(key);
        if (identity != null) {
            // Entry lifetimes and exp are measured on different clocks; exp has the last word.
            if (!identity.isExpired(clock.instant().getEpochSecond())) {
                return identity;
            }
            active.asMap().remove(key, identity);
        }
        return inactive.getIfPresent(key);
    }

    void putActive(String key, Identity identity) {
        if (!activeTtl.isZero()) {
            active.put(key, identity);
        }
    }

    void putInactive(String key, AuthOutcome.Rejected verdict) {
        if (!inactiveTtl.isZero()) {
            inactive.put(key, verdict);
        }
    }

    /** Until the earlier of the token's {@code exp} and the configured TTL. */
    private Duration lifetime(Identity identity) {
        Instant now = clock.instant();
        Duration untilExp = Duration.ofSeconds(identity.expiresAtEpochSecond() - now.getEpochSecond())
                .minusNanos(now.getNano());
        if (untilExp.isNegative()) {
            return Duration.ZERO;
        }
        return untilExp.compareTo(activeTtl) < 0 ? untilExp : activeTtl;
    }
}
