package dev.authsidecar.config;

import java.util.Arrays;
import java.util.HexFormat;

/** A named API key, known only by the SHA-256 of its value. */
public record ApiKey(String name, byte[] sha256) {

    public ApiKey {
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey k && k.name.equals(name) && Arrays.equals(k.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return "ApiKey[" + name + ", sha256=" + HexFormat.of().formatHex(sha256).substring(0, 8) + "…]";
    }
}
