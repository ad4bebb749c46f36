package dev.authsidecar.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.authenticate.idp.IdpClient;
import dev.authsidecar.config.ConfigException;
import dev.authsidecar.config.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file a JWT provider names that cannot be used is reported at that provider's entry, whatever its name. */
class ConfigCheckTest {
    @TempDir
    Path dir;

    @Test
    void anUnusableProviderFileIsReportedAtItsOwnEntry() throws Exception {
        Files.writeString(dir.resolve("good.key"), "0123456789abcdef0123456789abcdef\n");
        Files.writeString(dir.resolve("short.key"), "too-short\n");
        // The second name starts like the message about the first would: only the provider's name itself can
        // tell them apart, not the text of the message.
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), """
                upstream:
                  url: http://127.0.0.1:8080
                auth:
                  jwt:
                    providers:
                      - name: shop
                        issuer: https://shop.example
                        audiences: [main-service]
                        hmacSecretFile: good.key
                        algorithms: [HS256]
                      - name: "shop': legacy"
                        issuer: https://legacy.example
                        audiences: [main-service]
                        hmacSecretFile: short.key
                        algorithms: [HS256]
                """);

        assertThatThrownBy(() -> ConfigCheck.check(new ConfigSource(file, List.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": auth.jwt.providers[1]: hmacSecretFile " + dir.resolve("short.key")
                        + " holds 9 bytes; the configured HMAC algorithms need at least 32");
    }

    /** A stage that fails half-built is never closed by anyone: what it opened is closed before the error leaves. */
    @Test
    void aStageThatCannotBeBuiltLeavesNoIdentityProviderClientOpen() throws Exception {
        Files.writeString(dir.resolve("short.key"), "too-short\n");
        Files.writeString(dir.resolve("empty.secret"), "\n");
        String remote = """
                      - name: remote
                        issuer: https://remote.example
                        audiences: [main-service]
                        jwksUri: http://127.0.0.1:1/jwks
                """;
        Path brokenProvider = Files.writeString(dir.resolve("provider.yaml"), """
                upstream:
                  url: http://127.0.0.1:8080
                auth:
                  jwt:
                    providers:
                """ + remote + """
                      - name: hmac
                        issuer: https://hmac.example
                        audiences: [main-service]
                        hmacSecretFile: short.key
                        algorithms: [HS256]
                """);
        Path brokenIntrospection = Files.writeString(dir.resolve("introspection.yaml"), """
                upstream:
                  url: http://127.0.0.1:8080
                auth:
                  jwt:
                    providers:
                """ + remote + """
                  introspection:
                    endpoint: http://127.0.0.1:1/introspect
                    clientId: sidecar
                    clientSecretFile: empty.secret
                """);

        for (Path file : List.of(brokenProvider, brokenIntrospection)) {
            long opened = IdpClient.opened();
            long open = opened - IdpClient.closed();
            assertThatThrownBy(() -> ConfigCheck.check(new ConfigSource(file, List.of())))
                    .isInstanceOf(ConfigException.class);
            assertThat(IdpClient.opened())
                    .as(file + ": the remote provider's client was opened")
                    .isEqualTo(opened + 1);
            assertThat(IdpClient.opened() - IdpClient.closed())
                    .as(file + ": and closed again")
                    .isEqualTo(open);
        }
    }
}
