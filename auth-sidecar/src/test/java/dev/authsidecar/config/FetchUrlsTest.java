package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FetchUrlsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://idp.example.com/.well-known/jwks.json, true",
        "HTTPS://idp.example.com/jwks, true",
        "http://localhost:8080/jwks, true",
        "HTTP://LOCALHOST/jwks, true",
        "http://127.0.0.1:9000/introspect, true",
        "http://127.0.0.2/jwks, true",
        "http://[::1]:8443/jwks, true",
        "http://idp.example.com/jwks, false",
        "http://localhost.evil.example/jwks, false",
        "http://10.0.0.1/jwks, false",
        "http://0x7f000001/jwks, false",
        "ftp://localhost/jwks, false",
        "file:///etc/jwks.json, false",
        "https:///jwks, false",
        "/jwks, false",
    })
    void httpsAnywhereHttpOnlyToThisMachine(String url, boolean safe) {
        assertThat(FetchUrls.safeToFetch(URI.create(url))).isEqualTo(safe);
    }
}
