package dev.authsidecar.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.authsidecar.path.InvalidPathException;
import dev.authsidecar.path.PathNormalizer;
import dev.authsidecar.respond.Failure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/a/./b            | /a/b",
                "/a/../b           | /b",
                "/../a             | /a",
                "/..               | /",
                "/.                | /",
                "//                | /",
                "/a/..             | /",
                "/a/.              | /a/",
                "/a/b/..           | /a/",
                "/a/b/../          | /a/",
                "/a/./b/../../c    | /c",
                "/a/../../../b     | /b",
                "//a///b/          | /a/b/",
                "//a               | /a",
                "/a//              | /a/",
                "/a/..b/.c         | /a/..b/.c",
                "/a/...            | /a/...",
                "/%7E              | /~",
                "/%7e              | /~",
                "/%41%62           | /Ab",
                "/%2D%2E%5F        | /-._",
                "/%30              | /0",
                "/a/%2e%2e/b       | /b",
                "/a/%2E%2E/b       | /b",
                "/a/.%2e/b         | /b",
                "/a/%2e/b          | /a/b",
                "/a%3a             | /a%3A",
                "/a%3Ab            | /a%3Ab",
                "/%c3%a9           | /%C3%A9",
                "/a%20b            | /a%20b",
                "/a%25zz           | /a%25zz",
                "/a%3F             | /a%3F",
                "/a;b/c            | /a;b/c",
            })
    void normalizes(String input, String expected) throws InvalidPathException {
        assertThat(PathNormalizer.normalize(input)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a", "/a/b/", "/a.b/c-d_e~f", "/a;b=c", "/a:b@c!$&'()*+,=", "/a/b.c/d."})
    void returnsTheSameInstanceWhenNothingChanges(String path) throws InvalidPathException {
        assertThat(PathNormalizer.normalize(path)).isSameAs(path);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "",
                "a",
                "*",
                "http://x/y",
                "?a",
                "/a%zz",
                "/a%z1",
                "/a%2",
                "/%",
                "/a%",
                "/a%2F",
                "/a%2f",
                "/a%5C",
                "/a%5c",
                "/a%00",
                "/a\\b",
                "\\a",
                "/a b",
                "/a\tb",
                "/a\u0000",
                "/a\u0001",
                "/a\u001f",
                "/a\u007f",
                "/\u00e9",
                "/\u2028",
                "/a#b",
                "/..;/admin",
                "/public/..;/admin",
                "/public/.;/admin",
                "/public/..;x=1/admin",
                "/a/%2e%2e;/b",
                "/a//;/b",
            })
    void rejects(String input) {
        assertThatThrownBy(() -> PathNormalizer.normalize(input)).isInstanceOf(InvalidPathException.class);
        assertThatThrownBy(() -> RequestGuard.normalizeTarget(input))
                .isInstanceOfSatisfying(
                        RejectedRequest.class, e -> assertThat(e.failure()).isEqualTo(Failure.MALFORMED_REQUEST));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/a?x=1             | /a?x=1",
                "/a/../b?x=/../y    | /b?x=/../y",
                "//a?%zz            | /a?%zz",
                "/%7E?q=%7E         | /~?q=%7E",
                "/a?                | /a?",
                "/a?b?c             | /a?b?c",
                "/a?x=/%2F\\       | /a?x=/%2F\\",
            })
    void normalizeTargetKeepsTheQueryAsSent(String uri, String expected) throws RejectedRequest {
        assertThat(RequestGuard.normalizeTarget(uri)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a", "/a?x=1&y=2"})
    void normalizeTargetReturnsTheSameInstanceWhenNothingChanges(String uri) throws RejectedRequest {
        assertThat(RequestGuard.normalizeTarget(uri)).isSameAs(uri);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"/a?x#y", "/a?x y", "/a?x\u0001", "/a?x\u007f", "/a?\u00e9", "/a?\t", "/a%2F?x", "*?x"})
    void normalizeTargetRejectsBadQueriesAndPaths(String uri) {
        assertThatThrownBy(() -> RequestGuard.normalizeTarget(uri))
                .isInstanceOfSatisfying(
                        RejectedRequest.class, e -> assertThat(e.failure()).isEqualTo(Failure.MALFORMED_REQUEST));
    }
}
