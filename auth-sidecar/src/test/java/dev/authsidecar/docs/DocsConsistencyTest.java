package dev.authsidecar.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.authsidecar.deploy.Manifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Markdown documentation in step with the repository: every relative link resolves to a file inside
 * it (and every #anchor to a heading), nothing points outside the repository, and the package tables list
 * exactly the packages the code has.
 */
class DocsConsistencyTest {
    private static final Path ROOT = Manifests.repoRoot();
    private static final Path PACKAGES = ROOT.resolve("auth-sidecar/src/main/java/dev/authsidecar");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*#*\\s*$");
    private static final Pattern TABLE_PACKAGE = Pattern.compile("(?m)^\\|\\s*`([a-z]+)`\\s*\\|");

    @Test
    void everyRelativeLinkResolvesInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : markdownFiles()) {
            for (String target : links(doc)) {
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto: …: not this test's business
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved =
                        file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                String where = ROOT.relativize(doc) + " → " + target;
                if (!resolved.startsWith(ROOT)) {
                    broken.add(where + ": outside the repository (a reader of a clone or an image does not have it)");
                } else if (!Files.exists(resolved)) {
                    broken.add(where + ": no such file");
                } else if (anchor != null
                        && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    broken.add(where + ": no heading with that anchor in " + ROOT.relativize(resolved));
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void noDocumentMentionsFilesOutsideTheRepository() throws IOException {
        for (Path doc : markdownFiles()) {
            assertThat(Files.readString(doc))
                    .as(ROOT.relativize(doc).toString())
                    .doesNotContain("../shared")
                    .doesNotContain("DESIGN.md");
        }
    }

    @Test
    void theReadmesCodeLayoutListsExactlyThePackages() throws IOException {
        assertThat(tablePackages(section(ROOT.resolve("README.md"), "Code layout")))
                .as("README.md, Code layout")
                .isEqualTo(packages());
    }

    @Test
    void theArchitecturesPackageMapListsExactlyThePackages() throws IOException {
        assertThat(tablePackages(section(ROOT.resolve("docs/architecture.md"), "Package map")))
                .as("docs/architecture.md, Package map")
                .isEqualTo(packages());
    }

    @Test
    void theReadmeLinksTheArchitecture() throws IOException {
        assertThat(links(ROOT.resolve("README.md"))).contains("docs/architecture.md");
    }

    /**
     * A user who follows the README's Kubernetes block alone gets a running Pod: the images it builds are the
     * ones the Deployment runs and are loaded into the cluster, and it makes the Secret the Pod mounts, with the
     * file name the sidecar's configuration reads.
     */
    @Test
    void theReadmesKubernetesBlockIsCompleteForTheManifests() throws IOException {
        String block = section(ROOT.resolve("README.md"), "Kubernetes");
        Manifests m = Manifests.load();

        for (String image : List.of(m.sidecar().getImage(), m.mainService().getImage())) {
            assertThat(block)
                    .as("builds " + image)
                    .containsPattern("docker build [^\n]* -t " + Pattern.quote(image) + " ");
            assertThat(block)
                    .as("loads " + image + " with minikube")
                    .containsPattern("minikube image load [^\n]*" + Pattern.quote(image));
            assertThat(block)
                    .as("loads " + image + " with kind")
                    .containsPattern("kind load docker-image [^\n]*" + Pattern.quote(image));
        }
        assertThat(block)
                .contains("kubectl create secret generic " + m.apiKeysSecretName() + " --from-file="
                        + m.apiKeysFileName());
        assertThat(block).contains("gen-key").contains("kubectl apply -k deploy/k8s");
        assertThat(block.indexOf("kubectl create secret"))
                .as("the Secret exists before the Pods need it")
                .isLessThan(block.indexOf("kubectl apply -k"));
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> anchors(Path doc) throws IOException {
        Set<String> anchors = new TreeSet<>();
        Matcher m = HEADING.matcher(withoutCode(Files.readString(doc)));
        while (m.find()) {
            anchors.add(m.group(1)
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-'));
        }
        return anchors;
    }

    private static List<String> links(Path doc) throws IOException {
        List<String> links = new ArrayList<>();
        Matcher m = LINK.matcher(withoutCode(Files.readString(doc)));
        while (m.find()) {
            links.add(m.group(1));
        }
        return links;
    }

    /** Fenced blocks and inline code hold commands and examples, not links. */
    private static String withoutCode(String markdown) {
        return markdown.replaceAll("(?ms)^```.*?^```", "").replaceAll("`[^`\\n]*`", "``");
    }

    /** The text under a heading, up to the next heading of the same or a higher level (outside code blocks). */
    private static String section(Path doc, String heading) throws IOException {
        StringBuilder out = null;
        int level = 0;
        boolean inCode = false;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("```")) {
                inCode = !inCode;
            }
            Matcher h = Pattern.compile("^(#+) (.*)$").matcher(line);
            boolean isHeading = !inCode && h.matches();
            if (out == null) {
                if (isHeading && h.group(2).strip().equals(heading)) {
                    out = new StringBuilder();
                    level = h.group(1).length();
                }
            } else if (isHeading && h.group(1).length() <= level) {
                break;
            } else {
                out.append(line).append('\n');
            }
        }
        assertThat(out)
                .as(ROOT.relativize(doc) + " has a section '" + heading + "'")
                .isNotNull();
        return out.toString();
    }

    private static Set<String> tablePackages(String section) {
        Set<String> names = new TreeSet<>();
        Matcher m = TABLE_PACKAGE.matcher(section);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Set<String> packages() throws IOException {
        try (Stream<Path> entries = Files.list(PACKAGES)) {
            return entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> {
                        Path rel = ROOT.relativize(p);
                        for (Path part : rel) {
                            String s = part.toString();
                            if (s.equals("target") || s.startsWith(".") || s.equals("node_modules")) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
