package dev.authsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.config.ConfigKey;
import dev.authsidecar.config.ConfigKeys;
import dev.authsidecar.config.ConfigOverride;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Each key flag's help names its key and that key's declared default, and sets exactly that key: the help text
 * is an annotation constant, so this is what keeps it in step with the declaration.
 */
final class ConfigFlagsTest {
    private static final Pattern KEY_AND_DEFAULT = Pattern.compile("\\(([a-zA-Z.]+)\\)\\. Default: (\\S+)\\.$");

    @Test
    void eachFlagNamesItsKeyAndTheDeclaredDefault() {
        CommandLine cli = Main.commandLine(new Main());
        ConfigFlags given = new ConfigFlags();
        int flags = 0;
        for (String name : new String[] {"--listen", "--upstream", "--admin-listen"}) {
            OptionSpec option = cli.getCommandSpec().findOption(name);
            String help = String.join(" ", option.description());
            Matcher m = KEY_AND_DEFAULT.matcher(help);
            assertThat(m.find()).as(name + ": " + help).isTrue();
            ConfigKey key = ConfigKeys.all().stream()
                    .filter(k -> k.path().equals(m.group(1)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " names no declared key: " + m.group(1)));

            assertThat(m.group(2)).as(name).isEqualTo(key.shownDefault());
            CommandLine.populateCommand(given, name, "x");
            assertThat(given.overrides()).as(name).contains(new ConfigOverride(key.path(), "x", name));
            flags++;
        }
        assertThat(flags).isEqualTo(3);
    }
}
