package dev.authsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.deploy.Manifests;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the one the declarations make, key for key and cell for cell. */
final class ConfigReferenceTest {

    @Test
    void theReadmesReferenceMatchesTheDeclarations() throws IOException {
        List<String> readme = readmeTable();
        Map<String, String> documented = byKey(readme);
        Map<String, String> declared = byKey(ConfigReference.lines());

        assertThat(readme)
                .as("the README has the table, with its header")
                .isNotEmpty()
                .startsWith(ConfigReference.HEADER);
        assertThat(documented.keySet()).as("keys documented but not declared").isSubsetOf(declared.keySet());
        assertThat(declared.keySet())
                .as("keys declared but not documented; the table is:\n" + ConfigReference.markdown())
                .isSubsetOf(documented.keySet());
        declared.forEach((key, row) -> assertThat(documented.get(key))
                .as("the README's row for " + key)
                .isEqualTo(row));
        assertThat(readme).as("the same order as the declarations").isEqualTo(ConfigReference.lines());
    }

    @Test
    void aRowShowsTypeBoundsDefaultVariableAndReload() {
        assertThat(ConfigReference.row(ServerKeys.IDLE_TIMEOUT))
                .isEqualTo("| `server.idleTimeout` | duration 1ms–24h | "
                        + "`60s` | `AUTH_SIDECAR_SERVER_IDLE_TIMEOUT` | restart | a keep-alive connection with no request in "
                        + "progress is closed after this |");
        assertThat(ConfigReference.row(AuthKeys.PROVIDER_ISSUER))
                .startsWith("| `auth.jwt.providers[].issuer` | text |  |  " + "| applied |");
        assertThat(ConfigReference.row(ProcessKeys.ACCESS_LOG_FORMAT)).contains("| json \\| text \\| off | `json` |");
    }

    /** The table under "Configuration reference": its lines from the header to the first line that is not a row. */
    private static List<String> readmeTable() throws IOException {
        List<String> lines = Files.readAllLines(Manifests.repoRoot().resolve("README.md"));
        int heading = lines.indexOf("### Configuration reference");
        assertThat(heading).as("README has a section Configuration reference").isNotNegative();
        List<String> out = new ArrayList<>();
        for (int i = heading + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            if (lines.get(i).startsWith("|")) {
                out.add(lines.get(i));
            } else if (!out.isEmpty()) {
                break;
            }
        }
        return out;
    }

    private static Map<String, String> byKey(List<String> table) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String row : table) {
            if (row.startsWith("| `")) {
                out.put(row.substring(3, row.indexOf('`', 3)), row);
            }
        }
        return out;
    }
}
