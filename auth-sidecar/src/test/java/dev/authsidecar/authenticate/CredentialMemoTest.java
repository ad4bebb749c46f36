package dev.authsidecar.authenticate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ApiKey;
import dev.authsidecar.testing.ApiKeysOnly;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialMemoTest {
    private static final String KEY = "sk_memo_key_0123456789";

    private static Authentication withKey(String key) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
        return ApiKeysOnly.authentication(ApiKeysOnly.auth(List.of(new ApiKey("memo", hash)), List.of(), false));
    }

    private static HttpHeaders bearer(String token) {
        return new DefaultHttpHeaders().add("Authorization", "Bearer " + token);
    }

    @Test
    void theSameCredentialOnTheSameConnectionIsNotVerifiedAgain() throws Exception {
        Authentication auth = withKey(KEY);
        CredentialMemo memo = new CredentialMemo();
        AuthOutcome first = auth.authenticate(bearer(KEY), memo);
        assertThat(first).isInstanceOf(Identity.class);
        assertThat(memo.get(auth, "Bearer " + KEY)).isSameAs(first);
        assertThat(auth.authenticate(bearer(KEY), memo)).isSameAs(first);
    }

    @Test
    void anotherCredentialIsVerifiedAndAWrongOneIsNeverRemembered() throws Exception {
        Authentication auth = withKey(KEY);
        CredentialMemo memo = new CredentialMemo();
        auth.authenticate(bearer(KEY), memo);
        assertThat(auth.authenticate(bearer("sk_other"), memo)).isInstanceOf(AuthOutcome.Rejected.class);
        assertThat(memo.get(auth, "Bearer sk_other")).isNull();
    }

    @Test
    void aReloadedConfigurationDoesNotHonourWhatTheOldOneGranted() throws Exception {
        Authentication before = withKey(KEY);
        Authentication after = withKey("sk_the_new_key_only");
        CredentialMemo memo = new CredentialMemo();
        before.authenticate(bearer(KEY), memo);
        assertThat(after.authenticate(bearer(KEY), memo)).isInstanceOf(AuthOutcome.Rejected.class);
    }

    @Test
    void anExpiredIdentityIsNotReturned() throws Exception {
        Authentication auth = withKey(KEY);
        CredentialMemo memo = new CredentialMemo();
        Identity expired = new Identity(
                "alice", "jwt", "iss", List.of(), null, Map.of(), System.currentTimeMillis() / 1000 - 1, null);
        memo.put(auth, "Bearer eyJ.x.y", expired);
        assertThat(memo.get(auth, "Bearer eyJ.x.y")).isNull();
    }

    @Test
    void duplicateAuthorizationHeadersAreRefusedEvenWhenRemembered() throws Exception {
        Authentication auth = withKey(KEY);
        CredentialMemo memo = new CredentialMemo();
        auth.authenticate(bearer(KEY), memo);
        HttpHeaders two = bearer(KEY).add("Authorization", "Bearer sk_other");
        AuthOutcome outcome = auth.authenticate(two, memo);
        assertThat(outcome).isInstanceOf(AuthOutcome.Rejected.class);
    }
}
