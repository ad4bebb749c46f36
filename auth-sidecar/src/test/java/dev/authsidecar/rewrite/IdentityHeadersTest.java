package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class IdentityHeadersTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "X-Auth-Subject",
                "x-auth-subject",
                "X-AUTH-SUBJECT",
                "x_auth_subject",
                "X.Auth.User",
                "X-Auth-Method",
                "X-AUTH-anything",
                "x_Auth.m",
                "X.auth_Roles",
                "x-auth--subject",
            })
    void recognizesAliases(String name) {
        assertThat(IdentityHeaders.isIdentityAlias(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "X-Authorization",
                "X-Auth",
                "X-Auth-",
                "x_auth_",
                "Authorization",
                "X-Author",
                "XAuth-Subject",
                "X-Auth Subject",
                "Y-Auth-Subject",
                "X-Aut-Subject",
                "X-Forwarded-For",
                "Auth-Subject",
                "",
            })
    void ignoresOtherNames(String name) {
        assertThat(IdentityHeaders.isIdentityAlias(name)).isFalse();
    }

    /** RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
    static final String TCHAR_PUNCTUATION = "!#$%&'*+-.^_`|~";

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> everyTcharInEveryReservedHeader() {
        java.util.List<org.junit.jupiter.params.provider.Arguments> rows = new java.util.ArrayList<>();
        for (String header : java.util.List.of(
                "x-auth-subject",
                "x-auth-method",
                "x-auth-issuer",
                "x-auth-scopes",
                "x-auth-client",
                "x-auth-email",
                "x-auth-claims",
                "x-forwarded-for",
                "x-forwarded-proto",
                "x-forwarded-host")) {
            for (char p : TCHAR_PUNCTUATION.toCharArray()) {
                rows.add(org.junit.jupiter.params.provider.Arguments.of(header, header.replace('-', p)));
                rows.add(org.junit.jupiter.params.provider.Arguments.of(
                        header,
                        header.toUpperCase(java.util.Locale.ROOT)
                                .replaceFirst("-", java.util.regex.Matcher.quoteReplacement(String.valueOf(p)))));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{1} is {0}")
    @org.junit.jupiter.params.provider.MethodSource("everyTcharInEveryReservedHeader")
    void everyTcharSpellingOfAReservedHeaderIsStripped(String canonical, String spelling) {
        // Netty's own validation, as the decoder applies it: every spelling here is a legal header name.
        HttpHeaders h = new DefaultHttpHeaders().add(spelling, "spoofed").add("Host", "keep");

        IdentityHeaders.stripIncoming(h);

        boolean exactForwarded = canonical.startsWith("x-forwarded") && spelling.equalsIgnoreCase(canonical);
        assertThat(h.contains(spelling)).as(spelling).isEqualTo(exactForwarded);
        assertThat(h.get("Host")).isEqualTo("keep");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "X-Forwarded-Fo",
                "X-Forwarded-Form",
                "X-Forwarded-Port",
                "XForwarded-For",
                "X-ForwardedFor",
                "Forwarded-For",
                "X-Forwarded"
            })
    void namesThatDoNotFoldToAForwardedHeaderAreKept(String name) {
        HttpHeaders h = new DefaultHttpHeaders().add(name, "v");

        IdentityHeaders.stripIncoming(h);

        assertThat(h.contains(name)).isTrue();
    }

    @Test
    void stripIncomingRemovesEveryAliasAndEveryValue() {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory()
                .withValidation(false)
                .newHeaders()
                .add("X-Auth-Subject", "admin")
                .add("x-auth-subject", "root")
                .add("x_auth_subject", "admin")
                .add("X.Auth.User", "admin")
                .add("X-AUTH-METHOD", "api-key")
                .add("X-Authorization", "keep")
                .add("Host", "keep");

        IdentityHeaders.stripIncoming(h);

        assertThat(h.names()).containsExactlyInAnyOrder("X-Authorization", "Host");
    }

    @Test
    void addSetsSubjectAndMethod() {
        HttpHeaders h = new DefaultHttpHeaders().add("X-Auth-Subject", "spoofed");

        new IdentityHeaders(java.util.Map.of(), null).add(h, Identity.apiKey("alice"));

        assertThat(h.getAll("x-auth-subject")).containsExactly("alice");
        assertThat(h.getAll("x-auth-method")).containsExactly("api-key");
    }
}
