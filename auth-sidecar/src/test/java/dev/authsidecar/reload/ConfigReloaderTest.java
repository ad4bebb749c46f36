package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.authsidecar.it.TestUpstream;
import dev.authsidecar.testing.JwksServer;
import dev.authsidecar.testing.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a reload applies, what it refuses, and how it notices changes. */
@Timeout(30)
final class ConfigReloaderTest {
    private static final String KEY = "sk_alice_0123456789abcdef";
    private static final String OTHER_KEY = "sk_bob_0123456789abcdef0";
    private static final String NEW_KEY = "sk_carol_0123456789abcdef";
    private static final String ISSUER = "https://idp.test/realms/shop";
    private static final Duration SOON = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private TestUpstream app;

    @BeforeEach
    void startApp() throws Exception {
        app = new TestUpstream();
    }

    @AfterEach
    void stopApp() {
        app.close();
    }

    @Test
    void aRotatedJwksFileIsApplied() throws Exception {
        RSAKey oldKey = Tokens.rsa("old");
        RSAKey newKey = Tokens.rsa("new");
        KubernetesVolume keys = new KubernetesVolume(dir.resolve("jwt"));
        keys.write(Map.of("jwks.json", Tokens.jwks(oldKey)));
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), yaml(provider("jwt/jwks.json")));

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            assertThat(sidecar.status("/echo", token(oldKey))).isEqualTo(200);
            assertThat(sidecar.status("/echo", token(newKey))).isEqualTo(401);

            keys.write(Map.of("jwks.json", Tokens.jwks(oldKey, newKey)));

            sidecar.awaitStatus("/echo", token(newKey), 200, SOON);
            assertThat(sidecar.status("/echo", token(oldKey))).isEqualTo(200);
            // Counted after the swap, once the reload is logged: a request may see the new keys a moment before.
            sidecar.await("the reload counted", SOON, () -> sidecar.reloads().successes() == 1);

            keys.write(Map.of("jwks.json", "{\"keys\": \"not a list\"}"));
            sidecar.await(
                    "the broken key set refused", SOON, () -> sidecar.reloads().failures() == 1);

            assertThat(sidecar.status("/echo", token(newKey)))
                    .as("the keys in force stay")
                    .isEqualTo(200);
            assertThat(sidecar.reloads().lastFailure())
                    .startsWith(config + ": auth.jwt.providers[0]: cannot use " + "jwksFile "
                            + dir.resolve("jwt/jwks.json"));
            Thread.sleep(500);
            assertThat(sidecar.reloads().failures()).as("polls retry quietly").isEqualTo(1);
            assertThat(sidecar.logged())
                    .filteredOn(l -> l.startsWith("WARN invalid configuration"))
                    .hasSize(1);
        }
    }

    /** A reload builds a new authenticate stage; its counters must carry on, or Prometheus sees a reset. */
    @Test
    void authenticationCountersCarryOnAcrossAReload() throws Exception {
        RSAKey key = Tokens.rsa("k");
        JwksServer idp = new JwksServer().serve(key);
        String remote = "  jwt:\n    providers:\n      - name: shop\n        issuer: " + ISSUER + "\n"
                + "        jwksUri: " + idp.jwksUri() + "\n";
        Path config =
                Files.writeString(dir.resolve("sidecar.yaml"), yaml(remote + "        audiences: [main-service]\n"));
        String misses = "auth_sidecar_credential_cache_requests_total{result=\"miss\"}";
        String fetches = "auth_sidecar_keyset_fetches_total{provider=\"shop\",result=\"success\"}";

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            assertThat(sidecar.status("/echo", token(key))).isEqualTo(200);
            double missesBefore = sidecar.metric(misses);
            double fetchesBefore = sidecar.metric(fetches);
            assertThat(missesBefore).isGreaterThanOrEqualTo(1);
            assertThat(fetchesBefore).isGreaterThanOrEqualTo(1);

            // Another audience: a new provider, so a new authenticate stage with its own cache and key set.
            Files.writeString(config, yaml(remote + "        audiences: [main-service, billing]\n"));
            sidecar.await("the reload", SOON, () -> sidecar.reloads().successes() == 1);
            assertThat(sidecar.status("/echo", token(key))).isEqualTo(200);

            // During the old stage's grace period, and after it has been closed.
            assertThat(sidecar.metric(misses)).isGreaterThan(missesBefore);
            assertThat(sidecar.metric(fetches)).isGreaterThan(fetchesBefore);
            Thread.sleep(ReloadingSidecar.FAST.grace().toMillis() + 300);
            assertThat(sidecar.metric(misses)).isGreaterThan(missesBefore);
            assertThat(sidecar.metric(fetches)).isGreaterThan(fetchesBefore);
        } finally {
            idp.close();
        }
    }

    /** The key-set client of a replaced stage is closed with it, not left behind on every reload. */
    @Test
    void aReloadClosesTheIdentityProviderClientOfTheStageItReplaces() throws Exception {
        RSAKey key = Tokens.rsa("k");
        JwksServer idp = new JwksServer().serve(key);
        String remote = "  jwt:\n    providers:\n      - name: shop\n        issuer: " + ISSUER + "\n"
                + "        jwksUri: " + idp.jwksUri() + "\n";
        Path config =
                Files.writeString(dir.resolve("sidecar.yaml"), yaml(remote + "        audiences: [main-service]\n"));
        String opened = "auth_sidecar_idp_clients_opened_total";
        String closed = "auth_sidecar_idp_clients_closed_total";

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            assertThat(sidecar.status("/echo", token(key))).isEqualTo(200);
            double openedBefore = sidecar.metric(opened);
            double closedBefore = sidecar.metric(closed);

            // Whole, in one rename: a reload that read the file half-written would build a stage without the provider.
            Path next = Files.writeString(
                    dir.resolve("sidecar.next"), yaml(remote + "        audiences: [main-service, billing]\n"));
            Files.move(next, config, StandardCopyOption.ATOMIC_MOVE);
            sidecar.await("the reload", SOON, () -> sidecar.reloads().successes() == 1);

            assertThat(sidecar.metric(opened)).as("the new stage's client").isEqualTo(openedBefore + 1);
            sidecar.await(
                    "the replaced stage's client closed after its grace period",
                    SOON,
                    () -> metric(sidecar, closed) == closedBefore + 1);
            assertThat(sidecar.status("/echo", token(key)))
                    .as("the new stage's client in use")
                    .isEqualTo(200);
            assertThat(idp.jwksRequests()).as("one fetch per stage").isEqualTo(2);
        } finally {
            idp.close();
        }
    }

    private static double metric(ReloadingSidecar sidecar, String sample) {
        try {
            return sidecar.metric(sample);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void whatNeedsARestartIsReportedAndTheRestIsApplied() throws Exception {
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), yaml(""));

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            assertThat(sidecar.status("/public/x", null)).isEqualTo(401);
            Files.writeString(
                    config,
                    yaml(
                            "127.0.0.1:1",
                            "  connectTimeout: 1s\n  responseHeadTimeout: 5s\n",
                            "  publicPaths: [/public/**]\n"));

            sidecar.awaitStatus("/public/x", null, 200, SOON);
            sidecar.await("logged", SOON, () -> sidecar.logged().stream().anyMatch(l -> l.startsWith("WARN")));

            assertThat(sidecar.reloads().successes()).isEqualTo(1);
            assertThat(sidecar.logged())
                    .contains("WARN server.listen, upstream.connectTimeout changed in " + config
                            + " but take effect only after a restart; the rest is applied");
            assertThat(sidecar.logged())
                    .anyMatch(l -> l.startsWith(
                            "INFO configuration reloaded from " + config + " after a change to " + config + ": "));

            // Another change: the pending restart was reported already; only what is new is.
            Files.writeString(
                    config,
                    yaml(
                            "127.0.0.1:1",
                            "  connectTimeout: 1s\n  responseHeadTimeout: 5s\n",
                            "  publicPaths: [/public/**, /more/**]\n"));
            sidecar.awaitStatus("/more/x", null, 200, SOON);
            Files.writeString(
                    config,
                    yaml(
                            "127.0.0.1:2",
                            "  connectTimeout: 1s\n  responseHeadTimeout: 5s\n",
                            "  publicPaths: [/public/**, /more/**]\n"));
            sidecar.await("third reload", SOON, () -> sidecar.reloads().successes() == 3);

            assertThat(sidecar.logged().stream().filter(l -> l.contains("only after a restart")))
                    .containsExactly(
                            "WARN server.listen, upstream.connectTimeout changed in " + config
                                    + " but take effect only after a restart; the rest is applied",
                            "WARN server.listen changed in " + config + " but takes effect only after a restart; "
                                    + "the rest is applied");
        }
    }

    @Test
    void pollingAloneNoticesAChange() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.yaml"), ReloadingSidecar.keys("bob", OTHER_KEY));
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), yaml("  apiKeysFile: keys.yaml\n"));
        ReloadTiming pollOnly = new ReloadTiming(
                Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1), false);

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, pollOnly)) {
            assertThat(sidecar.status("/echo", OTHER_KEY)).isEqualTo(200);
            Files.writeString(keys, ReloadingSidecar.keys("carol", NEW_KEY));

            sidecar.awaitStatus("/echo", NEW_KEY, 200, SOON);
            assertThat(sidecar.status("/echo", OTHER_KEY)).isEqualTo(401);
            assertThat(sidecar.status("/echo", KEY)).isEqualTo(200);
        }
    }

    @Test
    void fileEventsAloneNoticeAFolderSwap() throws Exception {
        KubernetesVolume volume = new KubernetesVolume(dir.resolve("config"));
        volume.write(Map.of(
                "sidecar.yaml",
                yaml("  apiKeysFile: keys.yaml\n"),
                "keys.yaml",
                ReloadingSidecar.keys("bob", OTHER_KEY)));
        ReloadTiming eventsOnly = new ReloadTiming(
                Duration.ofMillis(50), Duration.ofHours(1), Duration.ofMillis(100), Duration.ofSeconds(1), true);

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(volume.file("sidecar.yaml"), eventsOnly)) {
            volume.write(Map.of(
                    "sidecar.yaml",
                    yaml("  apiKeysFile: keys.yaml\n"),
                    "keys.yaml",
                    ReloadingSidecar.keys("bob", OTHER_KEY, "carol", NEW_KEY)));

            Duration took = sidecar.awaitStatus("/echo", NEW_KEY, 200, Duration.ofSeconds(15));

            assertThat(took).isLessThan(Duration.ofSeconds(3));
        }
    }

    /** A ConfigMap may arrive before the Secret it names; once the Secret is there, the change applies. */
    @Test
    void aFileNamedBeforeItExistsIsPickedUpWhenItArrives() throws Exception {
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), yaml(""));
        RSAKey key = Tokens.rsa("k1");
        Path jwks = dir.resolve("later/jwks.json");

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            Files.writeString(config, yaml(provider(jwks.toString())));
            sidecar.await(
                    "refused while the file is missing",
                    SOON,
                    () -> sidecar.reloads().failures() == 1);
            assertThat(sidecar.reloads().lastFailure()).contains("auth.jwt.providers[0].jwksFile: file not found");

            Files.createDirectories(jwks.getParent());
            Tokens.writeJwks(jwks, key);

            sidecar.awaitStatus("/echo", token(key), 200, SOON);
            assertThat(sidecar.reloads().failures()).isEqualTo(1);
            assertThat(sidecar.reloads().successes()).isEqualTo(1);
            assertThat(sidecar.reloads().lastFailure()).isNull();
        }
    }

    @Test
    void listenersHearEveryResult() throws Exception {
        Path config = Files.writeString(dir.resolve("sidecar.yaml"), yaml(""));
        List<ConfigReloads.Result> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

        try (ReloadingSidecar sidecar = ReloadingSidecar.start(config, ReloadingSidecar.FAST)) {
            sidecar.reloads().addListener(heard::add);
            Files.writeString(config, yaml("  forwardCredential: maybe\n"));
            sidecar.await("failure heard", SOON, () -> heard.size() == 1);
            Files.writeString(config, yaml("  forwardCredential: true\n"));
            sidecar.await("success heard", SOON, () -> heard.size() == 2);
        }

        assertThat(heard.get(0).success()).isFalse();
        assertThat(heard.get(0).reason())
                .isEqualTo(config + ": auth.forwardCredential: expected true or false, " + "got 'maybe'");
        assertThat(heard.get(1)).isEqualTo(new ConfigReloads.Result(true, null));
    }

    private String yaml(String authExtra) {
        return yaml("127.0.0.1:0", "", authExtra);
    }

    /** Listening on an ephemeral port, forwarding to the test application, accepting KEY (alice). */
    private String yaml(String listen, String upstreamExtra, String authExtra) {
        return "server:\n  listen: " + listen + "\n"
                + "admin:\n  listen: 127.0.0.1:0\n"
                + "upstream:\n  url: " + app.url() + "\n" + upstreamExtra
                + "auth:\n  apiKeys:\n" + ReloadingSidecar.keys("alice", KEY).indent(4)
                + authExtra
                + "shutdown:\n  drainDelay: 0s\n  timeout: 2s\n";
    }

    private static String provider(String jwksFile) {
        return "  jwt:\n    providers:\n      - name: shop\n        issuer: " + ISSUER + "\n"
                + "        audiences: [main-service]\n        jwksFile: " + jwksFile + "\n";
    }

    private static String token(RSAKey key) {
        return Tokens.token(
                key,
                Tokens.claims(ISSUER, "alice", "main-service", Instant.now().plusSeconds(600)));
    }
}
