package dev.authsidecar.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into stages and instructions, enough to check what the project's Dockerfiles promise
 * without a container engine: line continuations and comments as Docker handles them, exec-form (JSON)
 * arguments, {@code COPY} flags, and {@code ${NAME}} in ENV values from a global {@code ARG NAME=default} that the
 * stage re-declares (as Docker requires). Heredocs are not supported, and not used.
 */
public final class Dockerfile {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Instruction(int line, String keyword, String arguments) {}

    public record Stage(String name, String image, List<Instruction> instructions) {
        public List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .toList();
        }
    }

    /** {@code COPY [--from=STAGE] [other flags] SOURCE… DESTINATION}. */
    public record Copy(Instruction at, String from, List<String> sources, String destination) {}

    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private final Path path;
    private final List<Stage> stages;
    private final Map<String, String> globalArgs;

    private Dockerfile(Path path, List<Stage> stages, Map<String, String> globalArgs) {
        this.path = path;
        this.stages = stages;
        this.globalArgs = globalArgs;
    }

    /** The repository's one Dockerfile (at {@code root}), seen as {@code docker build --target <module>} builds it. */
    public static Dockerfile image(Path root, String module) throws IOException {
        return parse(root.resolve("Dockerfile")).target(module);
    }

    public static Dockerfile parse(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path);
        List<Stage> stages = new ArrayList<>();
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Instruction> current = null;
        StringBuilder pending = null;
        int startLine = 0;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            String trimmed = line.strip();
            // Comment lines are dropped even in the middle of a continued instruction, as Docker does.
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending == null)) {
                continue;
            }
            if (pending == null) {
                pending = new StringBuilder();
                startLine = n + 1;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            pending.append(trimmed);
            String text = pending.toString().strip();
            pending = null;
            if (text.isEmpty()) {
                continue;
            }
            String[] parts = text.split("\\s+", 2);
            Instruction ins =
                    new Instruction(startLine, parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
            if (ins.keyword().equals("FROM")) {
                String[] from = ins.arguments().split("\\s+");
                String name =
                        from.length >= 3 && from[from.length - 2].equalsIgnoreCase("AS") ? from[from.length - 1] : null;
                String image = Arrays.stream(from)
                        .filter(t -> !t.startsWith("--"))
                        .findFirst()
                        .orElseThrow();
                current = new ArrayList<>();
                stages.add(new Stage(name, image, current));
            }
            if (current == null) {
                if (!ins.keyword().equals("ARG")) {
                    throw new IllegalArgumentException(path + ":" + startLine + ": " + ins.keyword() + " before FROM");
                }
                Matcher arg = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:=\"([^\"]*)\"|=(\\S*))?")
                        .matcher(ins.arguments());
                if (!arg.matches()) {
                    throw new IllegalArgumentException(path + ":" + startLine + ": ARG " + ins.arguments());
                }
                globalArgs.put(arg.group(1), arg.group(2) != null ? arg.group(2) : arg.group(3));
                continue;
            }
            current.add(ins);
        }
        if (pending != null) {
            throw new IllegalArgumentException(path + ": the last instruction ends with a line continuation");
        }
        return new Dockerfile(path, stages, Collections.unmodifiableMap(globalArgs));
    }

    /**
     * The stages {@code docker build --target NAME} builds, in file order: the named stage and every stage it
     * uses through {@code FROM stage} or {@code COPY --from=stage}, transitively (BuildKit skips the others). The
     * named stage is the view's final stage.
     */
    public Dockerfile target(String name) {
        Stage target = stage(name).orElseThrow(() -> new IllegalArgumentException(path + ": no stage named " + name));
        Set<String> needed = new HashSet<>();
        Deque<Stage> todo = new ArrayDeque<>(List.of(target));
        while (!todo.isEmpty()) {
            Stage s = todo.pop();
            if (!needed.add(s.name() == null ? "" : s.name())) {
                continue;
            }
            List<String> uses = new ArrayList<>();
            uses.add(s.image());
            copies(s).stream().map(Copy::from).filter(f -> f != null).forEach(uses::add);
            for (String used : uses) {
                stage(used).ifPresent(todo::push);
            }
        }
        List<Stage> view = stages.subList(0, stages.indexOf(target) + 1).stream()
                .filter(s -> s.name() != null && needed.contains(s.name()))
                .toList();
        return new Dockerfile(path, view, globalArgs);
    }

    /** The build arguments declared before the first FROM, with their defaults (null: none). */
    public Map<String, String> globalArgs() {
        return globalArgs;
    }

    /**
     * {@code text} with each {@code $NAME} / {@code ${NAME}} replaced by the global ARG's default. Docker only
     * expands a global ARG in a stage that declares it again ({@code ARG NAME}); elsewhere it is empty, which is
     * an error here.
     */
    public String expand(Stage stage, String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            boolean declared = stage.all("ARG").stream()
                    .anyMatch(a -> a.arguments().strip().equals(name));
            if (!declared || globalArgs.get(name) == null) {
                throw new IllegalArgumentException(path + ": stage " + stage.name() + " uses $" + name + " but "
                        + (declared
                                ? "no global ARG " + name + "=… gives it a value"
                                : "does not declare ARG " + name + " (without it, Docker expands it to nothing)"));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(globalArgs.get(name)));
        }
        m.appendTail(out);
        return out.toString();
    }

    public Path path() {
        return path;
    }

    public List<Stage> stages() {
        return stages;
    }

    public Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    public Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst();
    }

    public List<Copy> copies(Stage stage) {
        List<Copy> out = new ArrayList<>();
        for (Instruction ins : stage.all("COPY")) {
            List<String> tokens = new ArrayList<>(List.of(ins.arguments().split("\\s+")));
            String from = null;
            while (!tokens.isEmpty() && tokens.get(0).startsWith("--")) {
                String flag = tokens.remove(0);
                if (flag.startsWith("--from=")) {
                    from = flag.substring("--from=".length());
                }
            }
            String rest = String.join(" ", tokens);
            List<String> paths = rest.startsWith("[") ? jsonArray(rest, ins) : tokens;
            if (paths.size() < 2) {
                throw new IllegalArgumentException(path + ":" + ins.line() + ": COPY needs a source and a destination");
            }
            out.add(new Copy(ins, from, List.copyOf(paths.subList(0, paths.size() - 1)), paths.get(paths.size() - 1)));
        }
        return out;
    }

    /** The exec-form ENTRYPOINT of the final stage; shell form is refused (there is no shell to run it). */
    public List<String> entrypoint() {
        List<Instruction> all = finalStage().all("ENTRYPOINT");
        if (all.size() != 1) {
            throw new IllegalArgumentException(
                    path + ": expected one ENTRYPOINT in the final stage, found " + all.size());
        }
        Instruction ins = all.get(0);
        if (!ins.arguments().startsWith("[")) {
            throw new IllegalArgumentException(path + ":" + ins.line() + ": ENTRYPOINT must be exec form [\"…\"]");
        }
        return jsonArray(ins.arguments(), ins);
    }

    /** The value of an ENV variable in {@code stage}, in the {@code KEY="value"} or {@code KEY value} form. */
    public Optional<String> env(Stage stage, String key) {
        Pattern quoted = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=\"([^\"]*)\"");
        Pattern bare = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=(\\S*)");
        String found = null;
        for (Instruction ins : stage.all("ENV")) {
            Matcher m = quoted.matcher(ins.arguments());
            Matcher b = bare.matcher(ins.arguments());
            if (m.find()) {
                found = m.group(1);
            } else if (b.find()) {
                found = b.group(1);
            } else if (ins.arguments().startsWith(key + " ")) {
                found = ins.arguments().substring(key.length()).strip();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The JVM options the image sets, split as the JVM splits JAVA_TOOL_OPTIONS (on white space). */
    public List<String> javaToolOptions() {
        return env(finalStage(), "JAVA_TOOL_OPTIONS")
                .map(v -> List.of(expand(finalStage(), v).strip().split("\\s+")))
                .orElseThrow(() -> new IllegalArgumentException(path + ": no JAVA_TOOL_OPTIONS in the final stage"));
    }

    /**
     * The image's JVM options as they apply outside the image (bench/, the tarball's launcher, ManifestPodIT):
     * JAVA_TOOL_OPTIONS without {@code -XX:AOTCache=…}, whose file exists only in the image. A JVM told to use a
     * cache it cannot map logs errors and then runs without any class sharing.
     */
    public List<String> javaOptionsOutsideTheImage() {
        return javaToolOptions().stream()
                .filter(o -> !o.startsWith("-XX:AOTCache="))
                .toList();
    }

    /** The modules given to jlink's --add-modules. */
    public List<String> jlinkModules() {
        return jlinkOption("--add-modules")
                .map(v -> List.of(v.split(",")))
                .orElseThrow(() -> new IllegalArgumentException(path + ": no `jlink --add-modules …`"));
    }

    /** The value of a jlink option, e.g. {@code --output}: the folder the runtime is written to. */
    public Optional<String> jlinkOption(String option) {
        Pattern p = Pattern.compile(Pattern.quote(option) + "[ =](\\S+)");
        for (Stage s : stages) {
            for (Instruction run : s.all("RUN")) {
                if (run.arguments().contains("jlink")) {
                    Matcher m = p.matcher(run.arguments());
                    if (m.find()) {
                        return Optional.of(m.group(1));
                    }
                }
            }
        }
        return Optional.empty();
    }

    public Optional<Stage> jlinkStage() {
        return stages.stream()
                .filter(s -> s.all("RUN").stream().anyMatch(r -> r.arguments().contains("jlink ")))
                .findFirst();
    }

    public List<Integer> exposedPorts(Stage stage) {
        List<Integer> ports = new ArrayList<>();
        for (Instruction ins : stage.all("EXPOSE")) {
            for (String p : ins.arguments().split("\\s+")) {
                ports.add(Integer.parseInt(p.replace("/tcp", "")));
            }
        }
        return ports;
    }

    public Optional<String> user(Stage stage) {
        List<Instruction> users = stage.all("USER");
        return users.isEmpty()
                ? Optional.empty()
                : Optional.of(users.get(users.size() - 1).arguments().strip());
    }

    public Optional<String> workdir(Stage stage) {
        List<Instruction> dirs = stage.all("WORKDIR");
        return dirs.isEmpty()
                ? Optional.empty()
                : Optional.of(dirs.get(dirs.size() - 1).arguments().strip());
    }

    private List<String> jsonArray(String text, Instruction at) {
        try {
            return JSON.readValue(text, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ":" + at.line() + ": not a JSON array: " + text, e);
        }
    }
}
