package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Rules never fail open: every value that would make a rule match less than it reads is refused at load. */
final class RulesConfigTest {
    @TempDir
    Path dir;

    static Arguments[] invalidRules() {
        return new Arguments[] {
            bad(
                    "- {path: /admin/**, methods: [DELET], deny: true}",
                    "rules[0].methods: not an HTTP method the sidecar knows: 'DELET'; did you mean DELETE?"),
            bad(
                    "- {path: /x, methods: [delete], deny: true}",
                    "rules[0].methods: not an HTTP method the sidecar knows: 'delete'; methods are case-sensitive: "
                            + "write DELETE"),
            bad("- {path: /x, methods: [PSOT], allow: authenticated}", "did you mean POST?"),
            bad(
                    "- {path: /x, methods: [FROB], allow: authenticated}",
                    "rules[0].methods: not an HTTP method the sidecar knows: 'FROB' (known: "),
            bad("- {path: /x, methods: [CONNECT], allow: authenticated}", "not an HTTP method the sidecar knows"),
            bad("- {path: /x, methods: [], deny: true}", "rules[0].methods: an empty list would match no request"),
            bad("- {path: /x, methods: ['*', GET], deny: true}", "rules[0].methods: \"*\" already matches every"),
            bad("- {path: /x, methods: [''], deny: true}", "rules[0].methods[0]: expected a non-empty text value"),
            bad("- {path: /x, methods: {GET: 1}, deny: true}", "rules[0].methods: expected a list"),
            bad(
                    "- {path: /x, requires: {scopes: [a]}}",
                    "rules[0].requires: unknown key; did you mean require? (known keys here: allow, deny, methods, "
                            + "path, require, upgrade)"),
            bad("- {path: /x, alow: anonymous}", "rules[0].alow: unknown key; did you mean allow?"),
            bad("- {path: /x, method: [GET], deny: true}", "rules[0].method: unknown key; did you mean methods?"),
            bad(
                    "- {path: /x, require: {scope: [a]}}",
                    "rules[0].require.scope: unknown key; did you mean scopes? (known keys here: authMethods, claims, scopes, subjects)"),
            bad("- {path: /x}", "rules[0].path: each rule needs exactly one of allow"),
            bad("- {path: /x, allow: anonymous, deny: true}", "rules[0].path: each rule needs exactly one of"),
            bad("- {path: /x, deny: false}", "rules[0].deny: only deny: true makes sense"),
            bad("- {path: /x, allow: everyone}", "rules[0].allow: expected anonymous or authenticated"),
            bad(
                    "- {path: /x, require: {}}",
                    "rules[0].require: name at least one scope, claim, auth method or subject"),
            bad("- {path: /x, require: {scopes: ['a b']}}", "rules[0].require.scopes: not a valid scope token"),
            bad("- {path: /x, require: {scopes: ['']}}", "rules[0].require.scopes[0]: expected a non-empty text"),
            bad("- {path: /x, require: {claims: {'': [a]}}}", "rules[0].require.claims: a claim name must be"),
            bad("- {path: /x, require: {claims: {' groups': [a]}}}", "rules[0].require.claims: a claim name must"),
            bad("- {path: /x, require: {claims: {groups: []}}}", "rules[0].require.claims.groups: needs at least"),
            bad("- {path: /x, require: {claims: {groups: ['']}}}", "expected a non-empty text value"),
            bad("- {allow: anonymous}", "rules[0].path: is required"),
            bad("- {path: x, deny: true}", "rules[0].path: must start with /"),
            bad("- {path: '/a/**/b', deny: true}", "rules[0].path: use literal segments"),
            bad("- {path: '/a*', deny: true}", "rules[0].path: use literal segments"),
            bad("- {path: '/a?b', deny: true}", "rules[0].path: use literal segments"),
            bad("- {path: '/admin//x', deny: true}", "rules[0].path: use literal segments"),
            bad(
                    "- {path: '/admin/../secret', deny: true}",
                    "rules[0].path: requests are matched by their normalized path, so '/admin/../secret' could never "
                            + "match; write '/secret'"),
            bad("- {path: '/a/./b/**', deny: true}", "could never match; write '/a/b/**'"),
            bad("- {path: '/%61dmin', deny: true}", "could never match; write '/admin'"),
            bad("- {path: '/caf%c3%a9', deny: true}", "could never match; write '/caf%C3%A9'"),
            bad("- {path: '/a%2Fb', deny: true}", "rules[0].path: no request path can match '/a%2Fb'"),
            bad("- {path: '/a%zz', deny: true}", "rules[0].path: no request path can match"),
            bad("- {path: '/a b', deny: true}", "rules[0].path: no request path can match"),
            bad("- {path: '/..;/x', deny: true}", "rules[0].path: no request path can match"),
            bad(
                    "- {path: '/api/**', allow: authenticated}\n- {path: /api/admin, deny: true}",
                    "rules[1].path: this rule can never apply: rules[0] ('/api/**') comes first and matches every "
                            + "request it would"),
            bad(
                    "- {path: '/**', allow: authenticated}\n- {path: '/admin/**', deny: true}",
                    "rules[1].path: this rule can never apply: rules[0] ('/**')"),
            bad(
                    "- {path: '/a/*/c', methods: [GET, POST], allow: anonymous}\n"
                            + "- {path: '/a/b/c', methods: [GET], deny: true}",
                    "rules[1].path: this rule can never apply"),
            bad(
                    "- {path: '/a/*', allow: anonymous}\n- {path: '/a/*', methods: [DELETE], deny: true}",
                    "rules[1].path: this rule can never apply"),
            bad("- {path: '/a', deny: true}\n- {path: '/a', deny: true}", "rules[1].path: this rule can never apply"),
            bad(
                    "- {path: '/feed', allow: authenticated}\n- {path: '/feed', upgrade: websocket, deny: true}",
                    "rules[1].path: this rule can never apply"),
            bad(
                    "- {path: '/feed', upgrade: none, deny: true}\n- {path: '/feed', upgrade: none, allow: anonymous}",
                    "rules[1].path: this rule can never apply"),
        };
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidRules")
    void refusesRulesThatWouldNotMeanWhatTheySay(String rules, String expected) throws IOException {
        Path file = write("rules:\n" + indent(rules));

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": rules[")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aPublicPathThatShadowsARuleIsRefused() throws IOException {
        Path file = write("""
                auth:
                  publicPaths: [/public/**]
                rules:
                  - {path: /public/secret, deny: true}
                """);

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessage(file + ": rules[0].path: this rule can never apply: auth.publicPaths[0] ('/public/**') "
                        + "comes before every rule and matches every request it would");
    }

    @Test
    void aPublicPathMustBeInNormalizedForm() throws IOException {
        Path file = write("auth:\n  publicPaths: ['/%7Euser/**']\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
                .hasMessage(file + ": auth.publicPaths[0]: requests are matched by their normalized path, so "
                        + "'/%7Euser/**' could never match; write '/~user/**'");
    }

    @Test
    void rulesThatOverlapWithoutShadowingLoad() throws Exception {
        Path file = write("""
                rules:
                  - {path: /api/admin/**, deny: true}
                  - {path: /api/**, methods: [GET], allow: anonymous}
                  - {path: /api/**, methods: [DELETE, PROPFIND, QUERY], require: {scopes: [write]}}
                  - {path: /api/x/items, methods: [PUT], require: {claims: {groups: [ops]}}}
                  - {path: /api/*/items, methods: ['*'], allow: authenticated}
                  - {path: /files/a%20b, deny: true}
                  - {path: /dir/, deny: true}
                  - {path: /dir, deny: true}
                  - {path: /feed, upgrade: websocket, deny: true}
                  - {path: /feed, upgrade: none, allow: authenticated}
                  - {path: /feed, allow: anonymous}
                """);

        AuthorizationConfig rules = ConfigLoader.load(file, List.of()).authorization();

        assertThat(rules.rules())
                .extracting(RuleConfig::methods)
                .containsExactly(
                        Set.of(),
                        Set.of("GET"),
                        Set.of("DELETE", "PROPFIND", "QUERY"),
                        Set.of("PUT"),
                        Set.of(),
                        Set.of(),
                        Set.of(),
                        Set.of(),
                        Set.of(),
                        Set.of(),
                        Set.of());
    }

    @ParameterizedTest(name = "{0} {1} covers {2} {3}: {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/**      | *        | /anything/x | *        | true",
                "/a/**    | *        | /a          | *        | true",
                "/a/**    | *        | /a/         | *        | true",
                "/a/**    | *        | /a/b/**     | *        | true",
                "/a/**    | *        | /ab         | *        | false",
                "/a/**    | *        | /**         | *        | false",
                "/a/*     | *        | /a/b        | *        | true",
                "/a/*     | *        | /a/*        | *        | true",
                "/a/*     | *        | /a/         | *        | false",
                "/a/*     | *        | /a/b/**     | *        | false",
                "/a/b     | *        | /a/*        | *        | false",
                "/a/b     | *        | /a/b        | GET      | true",
                "/a/b     | GET      | /a/b        | *        | false",
                "/a/b     | GET POST | /a/b        | POST     | true",
                "/a/b     | GET      | /a/b        | GET POST | false",
                "/a       | *        | /a/**       | *        | false",
                "/a/*/c   | *        | /a/b/c      | *        | true",
                "/a/*/c   | *        | /a/b/d      | *        | false",
            })
    void coverage(String outer, String outerMethods, String inner, String innerMethods, boolean expected) {
        assertThat(RulesSection.covers(outer, methods(outerMethods), inner, methods(innerMethods)))
                .isEqualTo(expected);
    }

    private static Set<String> methods(String text) {
        return text.equals("*") ? Set.of() : Set.of(text.split(" "));
    }

    private static Arguments bad(String rules, String expected) {
        return Arguments.of(rules, expected);
    }

    private static String indent(String text) {
        return "  " + text.replace("\n", "\n  ") + "\n";
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
