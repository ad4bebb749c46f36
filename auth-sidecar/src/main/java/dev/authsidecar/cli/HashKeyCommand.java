package dev.authsidecar.cli;

import dev.authsidecar.authenticate.Token68;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Prints the SHA-256 of a key read from standard input, for the {@code sha256} field of a key entry. A key that
 * could not be sent as a bearer token (spaces, non-ASCII, quotes …) is refused: its hash would configure a key
 * that no request can ever present.
 */
@Command(
        name = "hash-key",
        mixinStandardHelpOptions = true,
        description = "Read an API key from standard input and print its hex SHA-256 for auth.apiKeys. The key must "
                + "be a valid bearer token (RFC 6750 token68: letters, digits, - . _ ~ + / and trailing =).")
final class HashKeyCommand implements Callable<Integer> {
    /** A key is one line; anything longer than this is not a key someone pasted. */
    private static final int MAX_BYTES = 65536;

    @Spec
    CommandSpec spec;

    /** Standard input; tests replace it. */
    InputStream in = System.in;

    @Override
    public Integer call() throws IOException {
        String line;
        try {
            line = firstLine(in);
        } catch (CharacterCodingException e) {
            return refuse("the key is not valid UTF-8 text; a bearer token is ASCII letters, digits and - . _ ~ + /");
        }
        if (line == null || line.isBlank()) {
            return refuse("no key on standard input");
        }
        String key = line.strip();
        if (!Token68.isValid(key)) {
            return refuse("the key cannot be sent as a bearer token: use only ASCII letters, digits and - . _ ~ + / "
                    + "(and = at the end), no spaces (RFC 6750 token68); `auth-sidecar gen-key` makes one");
        }
        spec.commandLine().getOut().println(sha256Hex(key));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int refuse(String reason) {
        spec.commandLine().getErr().println("auth-sidecar hash-key: " + reason);
        spec.commandLine().getErr().flush();
        return Main.EXIT_CONFIG;
    }

    /** The first line, strictly decoded: a malformed byte is an error, never a silently replaced character. */
    private static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n' && bytes.size() < MAX_BYTES) {
            bytes.write(b);
        }
        if (b < 0 && bytes.size() == 0) {
            return null;
        }
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes.toByteArray()))
                .toString();
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
