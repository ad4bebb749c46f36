package dev.authsidecar.cli;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.authsidecar.config.EnvironmentOverrides;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The operational log set-up, in code rather than a logback.xml: reading XML costs Logback's configuration
 * framework and the JDK's XML parser, about 650 classes and 4 MiB of resident memory that a sidecar keeps
 * for its whole life. Logback finds this class through {@code META-INF/services}.
 *
 * <p>One line per event on stdout, as container runtimes expect; Netty's own logs only from WARN. The level
 * comes from {@code AUTH_SIDECAR_LOG_LEVEL} (a system property of the same name wins), INFO by default.
 * Whoever needs more (another format, a file) points {@code -Dlogback.configurationFile} at a Logback XML
 * file, and this set-up steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, name -> {
            String property = System.getProperty(name);
            return property != null ? property : System.getenv(name);
        });
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Configures {@code context}, reading settings through {@code lookup} (system property, then environment). */
    static void apply(LoggerContext context, UnaryOperator<String> lookup) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();

        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(stdout);
        String wanted = lookup.apply(EnvironmentOverrides.LOG_LEVEL);
        Level level = level(wanted);
        root.setLevel(level);
        context.getLogger("io.netty").setLevel(Level.WARN);
        if (wanted != null && !wanted.isBlank() && !level.levelStr.equalsIgnoreCase(wanted.strip())) {
            root.warn(
                    "{}={} is not a log level (TRACE, DEBUG, INFO, WARN, ERROR, OFF); using INFO",
                    EnvironmentOverrides.LOG_LEVEL,
                    wanted);
        }
    }

    /** The level named by {@code value}, in any case; INFO when it is absent or names no level. */
    static Level level(String value) {
        return value == null ? Level.INFO : Level.toLevel(value.strip().toUpperCase(Locale.ROOT), Level.INFO);
    }
}
