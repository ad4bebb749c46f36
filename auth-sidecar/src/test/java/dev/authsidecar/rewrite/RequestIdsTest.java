package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RequestIdsTest {
    private static final String UUID_V4 = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @ParameterizedTest
    @ValueSource(strings = {"a", "abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace:span/1+x=y_z.w"})
    void keepsSaneIds(String id) {
        assertThat(RequestIds.isSane(id)).isTrue();
        assertThat(RequestIds.accept(id)).isSameAs(id);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "",
                "a b",
                "a\tb",
                "a\r\nb",
                "a\nX-Injected: 1",
                "a,b",
                "a;b",
                "\"a\"",
                "a\u0000",
                "\u00e9",
                "a\u007f",
                "<script>",
                "a%0d"
            })
    void replacesInsaneIds(String id) {
        assertThat(RequestIds.isSane(id)).isFalse();
        assertThat(RequestIds.accept(id)).matches(UUID_V4);
    }

    @Test
    void lengthLimitIs128() {
        assertThat(RequestIds.isSane("a".repeat(128))).isTrue();
        assertThat(RequestIds.isSane("a".repeat(129))).isFalse();
    }

    @Test
    void missingIdGetsAFreshUuid() {
        assertThat(RequestIds.accept(null)).matches(UUID_V4);
    }

    @Test
    void generatedIdsAreVersion4AndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = RequestIds.generate();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(RequestIds.isSane(id)).isTrue();
            seen.add(id);
        }
        assertThat(seen).hasSize(1000);
    }
}
