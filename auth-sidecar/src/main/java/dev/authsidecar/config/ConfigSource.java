package dev.authsidecar.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the configuration comes from: the file (or none, for the built-in defaults) and the overrides from the
 * environment and the command line, environment first so that flags win. Loading it again, after a file
 * changed, applies the same overrides again.
 */
public record ConfigSource(Path file, List<ConfigOverride> overrides) {

    public ConfigSource {
        overrides = List.copyOf(overrides);
    }

    public SidecarConfig load() throws ConfigException {
        return ConfigLoader.load(file, overrides);
    }

    /** Every single key's value in force and where it came from, for {@code check-config --effective}. */
    public List<Setting> effective() throws ConfigException {
        return ConfigLoader.effective(file, overrides);
    }

    /** The file as named in messages, or {@code defaults}. */
    public String name() {
        return file == null ? "defaults" : file.toString();
    }
}
