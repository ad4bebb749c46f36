package dev.authsidecar.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A built jar run as its own process, as a container would run it (or any command, such as demo.sh); output goes
 * to a file for assertions.
 */
final class JavaProcess implements AutoCloseable {
    private final Process process;
    private final Path output;

    private JavaProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static JavaProcess start(String jarProperty, List<String> jvmArgs, List<String> args) throws IOException {
        return start(jarProperty, jvmArgs, args, null);
    }

    /** As {@link #start(String, List, List)}, inside {@code network} when it is not null. */
    static JavaProcess start(String jarProperty, List<String> jvmArgs, List<String> args, PodNetwork network)
            throws IOException {
        return start(jarProperty, jvmArgs, args, network, Map.of());
    }

    /** As {@link #start(String, List, List, PodNetwork)}, with {@code env} added to this JVM's environment. */
    static JavaProcess start(
            String jarProperty, List<String> jvmArgs, List<String> args, PodNetwork network, Map<String, String> env)
            throws IOException {
        String jar = System.getProperty(jarProperty);
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("system property " + jarProperty + " must name a built jar, got " + jar
                    + " (run through `./mvnw verify`)");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar);
        command.addAll(args);
        return command(network == null ? command : network.wrap(command), Path.of(""), env);
    }

    /** Any command (a script, say), started in {@code dir}, with its output collected the same way. */
    static JavaProcess command(List<String> command, Path dir) throws IOException {
        return command(command, dir, Map.of());
    }

    /** As {@link #command(List, Path)}, with {@code env} added to this JVM's environment. */
    static JavaProcess command(List<String> command, Path dir, Map<String, String> env) throws IOException {
        Path output = Files.createTempFile("process", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        return new JavaProcess(p, output);
    }

    /** Waits for a line of output matching {@code regex} and returns its first group (or the whole match). */
    String awaitOutput(String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(output());
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(25);
        }
        throw new IllegalStateException("no output matching " + regex + "; output so far:\n" + output());
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    /** Sends SIGTERM, as the kubelet does, and returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    int awaitExit(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            // What it printed, and which of its processes were still there, are what explains a hang.
            String children = process.descendants()
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .collect(java.util.stream.Collectors.joining("\n  "));
            process.destroyForcibly();
            throw new IllegalStateException("did not exit within " + timeout + "; processes left under it:\n  "
                    + children + "\noutput so far:\n" + output());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal by name (INT, as Ctrl-C would), through kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(output);
    }
}
