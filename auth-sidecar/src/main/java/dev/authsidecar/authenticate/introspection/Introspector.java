package dev.authsidecar.authenticate.introspection;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.authsidecar.authenticate.AuthOutcome;
import dev.authsidecar.authenticate.Identity;
import dev.authsidecar.authenticate.idp.IdpClient;
import dev.authsidecar.authenticate.idp.IdpFailure;
import dev.authsidecar.config.IntrospectionConfig;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates opaque bearer tokens by asking an RFC 7662 introspection endpoint, remembering its verdicts,
 * and failing closed: when the endpoint cannot answer, the request gets 503, never access.
 *
 * <p>Callers on an event loop get an answer at once when it is cached, or a {@link AuthOutcome.Pending} that
 * completes on an {@code executor} thread. Concurrent requests carrying the same token share one call.
 */
public final class Introspector implements AutoCloseable {
    /** The {@link dev.authsidecar.authenticate.Identity#method()} of identities it grants. */
    public static final String METHOD = "introspection";

    static final AuthOutcome.Unavailable UNAVAILABLE =
            new AuthOutcome.Unavailable("the token introspection endpoint is unavailable");

    private static final Logger LOG = LoggerFactory.getLogger(Introspector.class);

    private final IntrospectionClient client;
    private final IntrospectionResponseParser parser;
    private final IntrospectionCache cache;
    private final OutageLog outages;
    private final Clock clock;
    private final ConcurrentHashMap<String, CompletableFuture<AuthOutcome>> inFlight = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Reads the client secret and the CA bundle now, so a missing or unreadable one stops start-up.
     *
     * @param executor runs the HTTP exchanges, reads the answers and completes pending outcomes; not an event
     *     loop. A call that times out completes on the JDK's timer thread instead, so resume on your own loop.
     */
    public Introspector(IntrospectionConfig config, Executor executor) throws IOException {
        this(config, executor, Clock.systemUTC(), Ticker.systemTicker());
    }

    Introspector(IntrospectionConfig config, Executor executor, Clock clock, Ticker ticker) throws IOException {
        this.client = new IntrospectionClient(config, executor);
        this.parser = new IntrospectionResponseParser(config.cacheTtl(), config.audiences());
        this.cache = new IntrospectionCache(config.cacheTtl(), config.negativeCacheTtl(), clock, ticker);
        this.outages = new OutageLog(LOG, ticker, IdpClient.loggable(config.endpoint()));
        this.clock = clock;
    }

    /**
     * @return the cached {@link Identity} or inactive {@link AuthOutcome.Rejected}, or a {@link AuthOutcome.Pending}
     *     while the endpoint is asked. Never blocks, never throws, and the pending result never fails.
     */
    public AuthOutcome authenticate(String token) {
        Objects.requireNonNull(token, "token");
        String key = IntrospectionCache.keyOf(token);
        AuthOutcome cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        if (closed) {
            return UNAVAILABLE;
        }
        CompletableFuture<AuthOutcome> call = new CompletableFuture<>();
        CompletableFuture<AuthOutcome> running = inFlight.putIfAbsent(key, call);
        if (running == null) {
            running = call;
            start(token, key, call);
        }
        if (running.isDone()) {
            return running.join();
        }
        // A copy per caller: one that cancels or times out its own wait must not end the wait of the others.
        return new AuthOutcome.Pending(running.copy());
    }

    /** Pending calls are answered 503 at once, so nothing stays parked behind a closed introspector. */
    @Override
    public void close() {
        closed = true;
        inFlight.values().forEach(call -> call.complete(UNAVAILABLE));
        client.close();
    }

    private void start(String token, String key, CompletableFuture<AuthOutcome> call) {
        client.introspect(token)
                .handle((body, error) -> conclude(key, body, error))
                .whenComplete((outcome, bug) -> {
                    // Removed only after conclude() cached the verdict, so a later caller finds one or the other.
                    inFlight.remove(key, call);
                    if (bug != null) {
                        LOG.error("Token introspection failed unexpectedly, answering 503", bug);
                    }
                    call.complete(bug == null ? outcome : UNAVAILABLE);
                });
    }

    private AuthOutcome conclude(String key, byte[] body, Throwable error) {
        IdpFailure failure;
        if (error == null) {
            try {
                AuthOutcome verdict = parser.parse(body, clock.instant().getEpochSecond());
                outages.succeeded();
                if (verdict instanceof Identity identity) {
                    cache.putActive(key, identity);
                } else {
                    cache.putInactive(key, (AuthOutcome.Rejected) verdict);
                }
                return verdict;
            } catch (IdpFailure e) {
                failure = e;
            }
        } else if (closed) {
            // Abandoned by close(), which answered the callers already: not an outage of the endpoint.
            return UNAVAILABLE;
        } else {
            failure = IdpFailure.of(error);
        }
        outages.failed(failure.getMessage());
        return UNAVAILABLE;
    }
}
