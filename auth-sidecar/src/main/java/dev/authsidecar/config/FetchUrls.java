package dev.authsidecar.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;

/**
 * Keys, discovery documents and introspection answers decide who gets in, so they are fetched over https;
 * plain http only to this machine (a test IdP, or a proxy in the same Pod). One rule for the URLs a
 * configuration names and for the jwks_uri a discovery document names.
 */
public final class FetchUrls {
    private FetchUrls() {}

    public static boolean safeToFetch(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            return false;
        }
        return scheme.equals("https") || scheme.equals("http") && isLoopback(uri.getHost());
    }

    /** localhost, or a literal loopback address; never a name lookup, which DNS could answer with anything. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
