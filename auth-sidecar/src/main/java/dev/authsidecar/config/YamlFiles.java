package dev.authsidecar.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the YAML files of the configuration (the config file and the API-key file). A syntax error becomes
 * one line, {@code file:line:column: reason}, at the position the YAML scanner stopped, never a multi-line
 * parser dump.
 */
final class YamlFiles {
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private YamlFiles() {}

    /**
     * @param namedBy the key that named this file, for the not-found message, or {@code null} for the config file
     * @return the tree, or {@code null} for a file holding no document
     */
    static JsonNode read(Path file, String namedBy) throws ConfigException {
        String source = file.toString();
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(BoundedFiles.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    source, "", "file not found" + (namedBy != null ? " (named by " + namedBy + ")" : ""));
        } catch (CharacterCodingException e) {
            throw new ConfigException(source, "", "not valid YAML: the file is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(source, "", "cannot read: " + oneLine(String.valueOf(e.getMessage())));
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        } catch (RuntimeException e) {
            // SnakeYAML reports some limits (nesting depth, alias expansion) as unchecked exceptions.
            throw new ConfigException(source, "", "not valid YAML: " + oneLine(String.valueOf(e.getMessage())));
        }
        return tree == null || tree.isMissingNode() || tree.isNull() ? null : tree;
    }

    /** A file whose top level must be a mapping (the configuration file); an empty file is an empty mapping. */
    static ObjectNode mapping(Path file) throws ConfigException {
        JsonNode tree = read(file, null);
        if (tree == null) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(file.toString(), "", "the top level must be a mapping of keys to values");
        }
        return (ObjectNode) tree;
    }

    private static ConfigException syntaxError(String source, JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark mark = marked.getProblemMark();
                String problem = marked.getProblem() != null ? marked.getProblem() : marked.getMessage();
                String context = marked.getContext();
                return new ConfigException(
                        source + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1),
                        "",
                        "not valid YAML: " + oneLine(problem) + (context != null ? " (" + oneLine(context) + ")" : ""));
            }
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1
                ? source
                : source + ":" + at.getLineNr() + (at.getColumnNr() > 0 ? ":" + at.getColumnNr() : "");
        return new ConfigException(where, "", "not valid YAML: " + oneLine(String.valueOf(e.getOriginalMessage())));
    }

    /** Control characters (a tab the scanner quotes, line breaks) would break the one-line error. */
    private static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.toString().replaceAll(" {2,}", " ").strip();
    }
}
