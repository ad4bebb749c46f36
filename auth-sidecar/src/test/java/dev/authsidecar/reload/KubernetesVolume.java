package dev.authsidecar.reload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder updated the way the kubelet updates a mounted ConfigMap or Secret (its AtomicWriter): the files live
 * in a timestamped folder, {@code ..data} is a symlink to it, and each visible file is a symlink through
 * {@code ..data}. An update writes a new timestamped folder, points {@code ..data_tmp} at it, renames that over
 * {@code ..data} (the one atomic step), fixes the visible symlinks and deletes the old folder.
 */
final class KubernetesVolume {
    private final Path dir;
    private Set<String> names = Set.of();
    private int generation;

    KubernetesVolume(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** Replaces the whole content of the volume with {@code files}, name → text. */
    void write(Map<String, String> files) {
        try {
            Path data = dir.resolve("..data");
            Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
            Path fresh =
                    dir.resolve("..2025_01_01_00_00_" + String.format("%02d", ++generation) + "." + System.nanoTime());
            Files.createDirectory(fresh);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(fresh.resolve(f.getKey()), f.getValue());
            }
            Path tmp = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, fresh.getFileName());
            Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
            for (String name : files.keySet()) {
                Path visible = dir.resolve(name);
                if (!Files.exists(visible, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(visible, Path.of("..data", name));
                }
            }
            for (String name : names) {
                if (!files.containsKey(name)) {
                    Files.delete(dir.resolve(name));
                }
            }
            names = new HashSet<>(files.keySet());
            if (old != null) {
                try (Stream<Path> s = Files.walk(old)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
