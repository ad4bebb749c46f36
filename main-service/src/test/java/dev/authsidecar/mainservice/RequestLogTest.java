package dev.authsidecar.mainservice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RequestLogTest {

    @Test
    void formatsTimeMethodPathStatusDurationAndSubject() {
        String line =
                RequestLog.format(Instant.parse("2026-11-26T21:30:00.123Z"), "GET", "/ping", 200, 410_000, "alice");

        assertThat(line).isEqualTo("2026-11-26T21:30:00.123Z GET /ping 200 0.41ms subject=alice");
    }

    @Test
    void keepsMillisecondsWhenZeroAndUsesDashWithoutSubject() {
        String line = RequestLog.format(Instant.parse("2026-11-26T21:30:00Z"), "HEAD", "/whoami", 404, 2_500_000, null);

        assertThat(line).isEqualTo("2026-11-26T21:30:00.000Z HEAD /whoami 404 2.50ms subject=-");
    }

    @Test
    void controlCharactersInSubjectCannotForgeLines() {
        String line = RequestLog.format(Instant.EPOCH, "GET", "/ping", 200, 0, "eve\nforged");

        assertThat(line).doesNotContain("\n").endsWith("subject=eve?forged");
    }
}
