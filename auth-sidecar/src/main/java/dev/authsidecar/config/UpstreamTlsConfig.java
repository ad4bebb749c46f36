package dev.authsidecar.config;

import java.nio.file.Path;

/**
 * TLS to the application, present when {@code upstream.url} is {@code https://}. The certificate files are read
 * by {@code dev.authsidecar.tls.UpstreamTls} at start-up; a change to them needs a restart, like the upstream
 * address itself.
 *
 * @param caFile PEM bundle that verifies the application's certificate; {@code null}: the JDK's trust store
 * @param certFile PEM chain presented to the application when it asks for a client certificate; or {@code null}
 * @param keyFile PKCS#8 PEM key of {@code certFile}; set exactly when {@code certFile} is
 */
public record UpstreamTlsConfig(Path caFile, Path certFile, Path keyFile) {}
