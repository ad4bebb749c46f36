package dev.authsidecar.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.deploy.Dockerfile;
import dev.authsidecar.deploy.Manifests;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a jar runs in its image: the Dockerfile's JVM options, and only the Java modules its jlink runtime has. */
final class ImageRuntime {
    private static final Path ROOT = Manifests.repoRoot();

    private ImageRuntime() {}

    /**
     * The image's JAVA_TOOL_OPTIONS (without the AOT cache, a file only the image has), and the observable modules
     * limited to what its jlink runtime holds. The
     * images run a JDK 25, whose options (compact object headers, say) an older JDK refuses to start with; on
     * an older JDK the test lets the JVM skip the -XX options it does not know, leaves out
     * --sun-misc-unsafe-memory-access (JDK 23+, and Unsafe is allowed before it anyway), and checks the rest.
     */
    static List<String> jvmArgs(String module) throws IOException {
        Dockerfile df = Dockerfile.image(ROOT, module);
        List<String> args = new ArrayList<>();
        int running = Runtime.version().feature();
        if (running < imageJdk(df)) {
            args.add("-XX:+IgnoreUnrecognizedVMOptions");
        }
        df.javaOptionsOutsideTheImage().stream()
                .filter(o -> running >= 23 || !o.startsWith("--sun-misc-unsafe-memory-access="))
                .forEach(args::add);
        args.add("--limit-modules");
        args.add(String.join(",", df.jlinkModules()));
        return args;
    }

    /** The feature release of the JDK image the runtime is cut from ({@code eclipse-temurin:25-jdk}: 25). */
    private static int imageJdk(Dockerfile df) {
        String image = df.jlinkStage().orElseThrow().image();
        Matcher m = Pattern.compile(":(\\d+)").matcher(image);
        assertThat(m.find()).as("JDK release in " + image).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
