package dev.authsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogSetupTest {

    @Test
    void logbackFindsItAsAService() {
        assertThat(ServiceLoader.load(Configurator.class).stream()
                        .map(p -> p.type().getName())
                        .collect(Collectors.toList()))
                .containsExactly(LogSetup.class.getName());
    }

    @Test
    void stepsAsideForALogbackConfigurationFile() {
        LoggerContext context = new LoggerContext();
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/etc/auth-sidecar/logback.xml");
        try {
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
        }
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT"))
                .isNull();

        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT"))
                .isNotNull();
    }

    @Test
    void oneLinePerEventOnStdoutAtInfoWithNettyQuieter() {
        LoggerContext context = new LoggerContext();
        LogSetup.apply(context, Map.<String, String>of()::get);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("dev.authsidecar.Sidecar").getEffectiveLevel())
                .isEqualTo(Level.INFO);
        ConsoleAppender<ILoggingEvent> stdout = (ConsoleAppender<ILoggingEvent>) root.getAppender("STDOUT");
        assertThat(stdout.isStarted()).isTrue();
        assertThat(stdout.getTarget()).isEqualTo("System.out");
        assertThat(((PatternLayoutEncoder) stdout.getEncoder()).getPattern())
                .isEqualTo("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n");
    }

    @ParameterizedTest
    @CsvSource({"DEBUG, DEBUG", "debug, DEBUG", "' warn ', WARN", "OFF, OFF", "trace, TRACE"})
    void theLevelComesFromAuthSidecarLogLevel(String value, String expected) {
        LoggerContext context = new LoggerContext();
        LogSetup.apply(context, Map.of("AUTH_SIDECAR_LOG_LEVEL", value)::get);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.toLevel(expected));
    }

    @Test
    void anUnknownLevelFallsBackToInfoAndSaysSo() {
        LoggerContext context = new LoggerContext();
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(seen);

        LogSetup.apply(context, Map.of("AUTH_SIDECAR_LOG_LEVEL", "LOUD")::get);

        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(seen.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage())
                    .isEqualTo("AUTH_SIDECAR_LOG_LEVEL=LOUD is not a log level (TRACE, DEBUG, INFO, WARN, ERROR, OFF);"
                            + " using INFO");
        });
    }
}
