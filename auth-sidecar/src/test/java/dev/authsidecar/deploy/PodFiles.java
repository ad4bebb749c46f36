package dev.authsidecar.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a container sees under its ConfigMap and Secret volume mounts, written below a local folder: the
 * ConfigMap's data as it is in the manifest, the Secret's data as the test supplies it (the real Secret is not
 * in the repository). Paths in the container's args are translated the same way, so a process started with
 * them reads exactly the files the Pod would.
 */
public final class PodFiles {
    private final Path root;
    private final List<String> mountPaths;

    private PodFiles(Path root, List<String> mountPaths) {
        this.root = root;
        this.mountPaths = mountPaths;
    }

    /**
     * @param secrets secret name → (file name → content), for every Secret volume the container mounts
     */
    public static PodFiles write(
            Manifests manifests, Container container, Path root, Map<String, Map<String, String>> secrets)
            throws IOException {
        List<String> mountPaths = new ArrayList<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = manifests.pod().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(container.getName() + " mounts volume "
                            + mount.getName() + ", which the Pod does not define"));
            Map<String, String> files;
            if (volume.getConfigMap() != null) {
                String name = volume.getConfigMap().getName();
                ConfigMap map = manifests
                        .configMap(name)
                        .orElseThrow(() -> new IllegalStateException(
                                "volume " + volume.getName() + " names ConfigMap " + name + ", which is not applied"));
                files = map.getData();
            } else if (volume.getSecret() != null) {
                String name = volume.getSecret().getSecretName();
                files = secrets.get(name);
                if (files == null) {
                    throw new IllegalArgumentException("the test must supply the files of Secret " + name);
                }
            } else {
                continue; // emptyDir and the like: the processes use the machine's own /tmp
            }
            Path dir = local(root, mount.getMountPath());
            Files.createDirectories(dir);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(dir.resolve(f.getKey()), f.getValue());
            }
            mountPaths.add(mount.getMountPath());
        }
        return new PodFiles(root, mountPaths);
    }

    private static Path local(Path root, String absolute) {
        if (!absolute.startsWith("/")) {
            throw new IllegalArgumentException("mount paths are absolute in a Pod, got " + absolute);
        }
        return root.resolve(absolute.substring(1));
    }

    /** {@code arg} with a path inside one of the mounts translated to the local copy; anything else unchanged. */
    public String translate(String arg) {
        for (String mount : mountPaths) {
            if (arg.equals(mount) || arg.startsWith(mount.endsWith("/") ? mount : mount + "/")) {
                return local(root, arg).toString();
            }
        }
        return arg;
    }

    public List<String> translate(List<String> args) {
        return args.stream().map(this::translate).toList();
    }
}
