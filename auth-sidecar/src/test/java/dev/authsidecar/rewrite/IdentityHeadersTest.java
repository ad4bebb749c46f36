package dev.authsidecar.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.authenticate.Identity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class IdentityHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "X-Auth-Subject", "x-auth-subject", "X-AUTH-SUBJECT", "x_auth_subject", "X.Auth.User", "X-Auth-Method",
        "X-AUTH-anything", "x_Auth.m", "X.auth_Roles", "x-auth--subject",
    })
    void recognizesAliases(String name) {
        assertThat(IdentityHeaders.isIdentityAlias(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "X-Authorization", "X-Auth", "X-Auth-", "x_auth_", "Authorization", "X-Author", "XAuth-Subject",
        "X-Auth Subject", "Y-Auth-Subject", "X-Aut-Subject", "X-Forwarded-For", "Auth-Subject", "",
    })
    void ignoresOtherNames(String name) {
        assertThat(IdentityHeaders.isIdentityAlias(name)).isFalse();
    }

    @Test
    void stripIncomingRemovesEveryAliasAndEveryValue() {
        HttpHeaders h = new DefaultHttpHeaders(false)
                .add("X-Auth-Subject", "admin").add("x-auth-subject", "root")
                .add("x_auth_subject", "admin").add("X.Auth.User", "admin").add("X-AUTH-METHOD", "api-key")
                .add("X-Authorization", "keep").add("Host", "keep");

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
