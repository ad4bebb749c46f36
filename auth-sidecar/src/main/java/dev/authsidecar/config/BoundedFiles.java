package dev.authsidecar.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the files a configuration names (itself, key files, secrets). Only regular files (symbolic links to them,
 * as Kubernetes mounts them, included) and only up to {@link #MAX_BYTES}: a path naming {@code /dev/zero}, a FIFO
 * or a runaway file would otherwise make start-up and {@code check-config} block or run out of memory instead of
 * saying what is wrong.
 */
public final class BoundedFiles {
    /** Far above any real configuration, key set or secret. */
    public static final int MAX_BYTES = 4 * 1024 * 1024;

    private BoundedFiles() {}

    /** @throws IOException with a message fit for a one-line error: not a regular file, too large, unreadable */
    public static byte[] readAllBytes(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException("larger than " + MAX_BYTES / (1024 * 1024) + " MiB");
            }
            return bytes;
        }
    }

    /** The file as UTF-8 text; malformed UTF-8 is an error, as {@link Files#readString(Path)} makes it. */
    public static String readString(Path file) throws IOException {
        byte[] bytes = readAllBytes(file);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("not UTF-8 text", e);
        }
    }
}
