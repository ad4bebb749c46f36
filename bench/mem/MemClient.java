import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The two helpers bench/mem-run.sh needs that wrk does not do. Run from the sidecar's jar (Nimbus is in it):
 *
 * <pre>
 *   java -cp auth-sidecar.jar bench/mem/MemClient.java mint signing-key.json 10000 tokens.txt
 *   java -cp auth-sidecar.jar bench/mem/MemClient.java idle 127.0.0.1 18901 10000 [TOKEN]
 * </pre>
 *
 * {@code mint} writes N distinct RS256 JWTs (one subject and jti each, the same claims as the jar's {@code token} command,
 * valid for 4 h), one a line: minting them in one JVM takes seconds, 10,000 runs of {@code token} minutes.
 *
 * <p>{@code idle} opens N keep-alive connections, sends one {@code GET /ping} on each (with the bearer token, if
 * given), checks each answer is {@code 200 {"message":"pong"}}, prints {@code ready N} and holds them all, idle,
 * until its standard input closes. One request on each makes them what a client pool leaves open: keep-alive
 * connections between requests, not half-opened ones.
 */
public final class MemClient {
    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("mint")) {
            mint(Path.of(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
        } else if (args.length >= 4 && args[0].equals("idle")) {
            idle(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args.length > 4 ? args[4] : null);
        } else {
            System.err.println("usage: MemClient mint KEYFILE N OUT | idle HOST PORT N [TOKEN]");
            System.exit(2);
        }
    }

    static void mint(Path keyFile, int n, Path out) throws Exception {
        RSAKey key = RSAKey.parse(Files.readString(keyFile));
        RSASSASigner signer = new RSASSASigner(key);
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build();
        Instant now = Instant.now();
        List<String> lines = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            JWTClaimsSet claims = new JWTClaimsSet.Builder()
                    .issuer("auth-sidecar-dev")
                    .subject("bench-" + i)
                    .audience("main-service")
                    .issueTime(Date.from(now))
                    .notBeforeTime(Date.from(now))
                    .expirationTime(Date.from(now.plusSeconds(4 * 3600)))
                    .jwtID(java.util.UUID.randomUUID().toString())
                    .claim("scope", "read write")
                    .build();
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            lines.add(jwt.serialize());
        }
        Files.write(out, lines);
    }

    static void idle(String host, int port, int n, String token) throws IOException {
        byte[] request = ("GET /ping HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress address = new InetSocketAddress(host, port);
        List<SocketChannel> held = new ArrayList<>(n);
        ByteBuffer in = ByteBuffer.allocate(4096);
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(address);
            ch.write(ByteBuffer.wrap(request));
            in.clear();
            String got = "";
            // The answer is small: read until its body is in, then check it.
            while (!got.endsWith("}")) {
                if (ch.read(in) < 0) {
                    throw new IOException("connection " + i + " closed before the answer; got: " + got);
                }
                got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            }
            if (!got.startsWith("HTTP/1.1 200") || !got.endsWith("{\"message\":\"pong\"}")) {
                throw new IOException("connection " + i + ": expected 200 pong, got: " + got);
            }
            held.add(ch);
        }
        System.out.println("ready " + held.size());
        System.out.flush();
        // Hold until told to stop (stdin closes); then check that nobody closed them meanwhile.
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        int closed = 0;
        for (SocketChannel ch : held) {
            ch.configureBlocking(false);
            in.clear();
            if (ch.read(in) < 0) {
                closed++;
            }
            ch.close();
        }
        System.out.println("closed-by-peer " + closed);
    }
}
