package dev.authsidecar.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.respond.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/observability.md names every metric the sidecar registers and every value of its closed label sets. */
final class MetricsDocsTest {
    private static final Path DOC = Path.of("..", "docs", "observability.md");

    @Test
    void everyMetricIsDocumented() throws IOException {
        Metrics metrics = new Metrics();
        metrics.bind(
                () -> 0,
                () -> List.of(new dev.authsidecar.authenticate.jwt.KeySetStatus(
                        "p", true, java.time.Duration.ofSeconds(1), null, 1, 0)),
                () -> 0,
                () -> 0,
                () -> 0,
                () -> 0);
        RequestRecord r = new RequestRecord();
        r.begin("GET", "id", null, "127.0.0.1");
        r.auth(RequestRecord.AuthResult.ALLOWED, "jwt", "alice");
        r.status(200);
        metrics.request(r, 1000);
        metrics.upstreamError(Failure.UPSTREAM_RESET);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        String doc = Files.readString(DOC);
        Matcher m =
                Pattern.compile("(?m)^# TYPE (auth_sidecar_\\w+) (\\w+)").matcher(out.toString(StandardCharsets.UTF_8));
        int found = 0;
        while (m.find()) {
            found++;
            String name = m.group(1).replaceAll("_(total|created)$", "");
            assertThat(doc).as("docs/observability.md names %s", name).contains("`" + name);
        }
        assertThat(found).isGreaterThanOrEqualTo(7);
    }

    @Test
    void everyLabelValueIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        for (String method : Metrics.METHODS) {
            assertThat(doc).contains("`" + method + "`");
        }
        for (String method : Metrics.AUTH_METHODS) {
            assertThat(doc).contains("`" + method + "`");
        }
        for (RequestRecord.AuthResult r : RequestRecord.AuthResult.values()) {
            assertThat(doc).contains("`" + r.label() + "`");
        }
        for (Failure f : Failure.values()) {
            if (f.name().startsWith("UPSTREAM_")) {
                assertThat(doc).contains("`" + f.name().toLowerCase(Locale.ROOT) + "`");
            }
        }
    }
}
