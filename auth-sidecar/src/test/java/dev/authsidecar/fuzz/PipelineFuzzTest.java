package dev.authsidecar.fuzz;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.authsidecar.accept.TestPipelines;
import dev.authsidecar.config.ConfigLoader;
import dev.authsidecar.config.SidecarConfig;
import dev.authsidecar.forward.UpstreamPool;
import dev.authsidecar.guard.RejectedRequest;
import dev.authsidecar.guard.RequestGuard;
import dev.authsidecar.net.Transport;
import dev.authsidecar.path.InvalidPathException;
import dev.authsidecar.path.PathNormalizer;
import dev.authsidecar.proxy.FrontendHandler;
import dev.authsidecar.proxy.Stages;
import dev.authsidecar.record.AccessLog;
import dev.authsidecar.record.Metrics;
import dev.authsidecar.record.Recorder;
import dev.authsidecar.testing.ApiKeysOnly;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

/**
 * Raw bytes from a client through the real client pipeline (deadlines, Netty's strict decoder, the frontend
 * with guard, authentication, rules and rewriting), in an {@link EmbeddedChannel}. No application listens: a
 * request that gets through is forwarded and answered {@code 502} by the failed upstream connect.
 *
 * <ul>
 *   <li>No exception escapes: none reaches the end of the pipeline and none is caught by the frontend (which
 *       would log it and close the connection; a test channel has no routine resets).
 *   <li>Every answer is {@code 100 Continue}, a {@code 4xx} refusal, or the {@code 502} of a forwarded request.
 *   <li>Every request the guard lets through has a path that is already normal (normalizing it again changes
 *       nothing), so the rules saw what is forwarded, and that an application decoding its percent-escapes
 *       reads as the same segments: none becomes {@code .} or {@code ..} or holds {@code /}, {@code \} or NUL.
 * </ul>
 *
 * <p>Regression inputs: {@code src/test/resources/dev/authsidecar/fuzz/PipelineFuzzTestInputs/rawRequest/}.
 */
final class PipelineFuzzTest {
    static final String KEY = "sk_fuzz_pipeline_0123456789";
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static Path dir;
    private static SidecarConfig config;
    private static Stages stages;
    private static Recorder recorder;
    private static ListAppender<ILoggingEvent> caught;
    private static Logger frontendLog;
    private static Level previousLevel;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pipeline-fuzz");
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(ISO_8859_1)));
        Path file = Files.writeString(dir.resolve("sidecar.yaml"), """
                auth:
                  apiKeys:
                    - name: fuzz
                      sha256: %s
                  publicPaths: [/public/**, /healthz]
                rules:
                  - path: /admin/**
                    deny: true
                  - path: /orders/*/items
                    methods: [GET]
                    require: {scopes: [orders.read]}
                """.formatted(sha));
        config = ConfigLoader.load(file, List.of());
        UpstreamPool pool =
                new UpstreamPool(config.upstream(), new InetSocketAddress("127.0.0.1", 9), Transport.NIO, null);
        stages = ApiKeysOnly.stages(config, pool);
        recorder = new Recorder(new Metrics(), new AccessLog(dev.authsidecar.config.AccessLogConfig.Format.OFF));
        frontendLog = (Logger) LoggerFactory.getLogger(FrontendHandler.class);
        previousLevel = frontendLog.getLevel();
        frontendLog.setLevel(Level.DEBUG);
        caught = new ListAppender<>();
        caught.start();
        frontendLog.addAppender(caught);
    }

    @AfterAll
    static void stop() throws Exception {
        frontendLog.detachAppender(caught);
        frontendLog.setLevel(previousLevel);
        Files.deleteIfExists(dir.resolve("sidecar.yaml"));
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "2m")
    void rawRequest(byte[] input) {
        caught.list.clear();
        String output = throughThePipeline(input);

        assertThat(caught.list)
                .as("exceptions caught by the frontend")
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
        Matcher m = STATUS.matcher(output);
        while (m.find()) {
            int status = Integer.parseInt(m.group(1));
            assertThat(status == 100 || status / 100 == 4 || status == 502)
                    .as("status %s in:%n%s", status, output)
                    .isTrue();
        }
        for (String path : pathsTheGuardLetsThrough(input)) {
            assertReadTheSameWay(path);
        }
    }

    /** The client pipeline the production code builds. */
    private static String throughThePipeline(byte[] input) {
        EmbeddedChannel ch = TestPipelines.client(config.server(), () -> stages, recorder);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(input));
            ch.runPendingTasks();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                if (o instanceof ByteBuf buf) {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.readBytes(bytes);
                    out.writeBytes(bytes);
                }
                ReferenceCountUtil.release(o);
            }
            ch.checkException();
        } catch (Exception e) {
            throw new AssertionError("exception escaped the pipeline", e);
        } finally {
            ch.finishAndReleaseAll();
        }
        return out.toString(ISO_8859_1);
    }

    /** The same bytes through a bare decoder and the guard: the path of each request it would forward. */
    private static List<String> pathsTheGuardLetsThrough(byte[] input) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(TestPipelines.decoderConfig(config.server())));
        List<String> paths = new java.util.ArrayList<>();
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(input));
            for (Object o; (o = ch.readInbound()) != null; ) {
                try {
                    if (o instanceof HttpRequest request && !(o instanceof HttpContent)) {
                        String target = RequestGuard.check(request);
                        int q = target.indexOf('?');
                        paths.add(q < 0 ? target : target.substring(0, q));
                    }
                } catch (RejectedRequest refused) {
                    // Refused requests are not forwarded; the pipeline run checked their answers.
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        return paths;
    }

    private static void assertReadTheSameWay(String path) {
        try {
            assertThat(PathNormalizer.normalize(path))
                    .as("normalizing %s again", path)
                    .isEqualTo(path);
        } catch (InvalidPathException e) {
            throw new AssertionError("the forwarded path " + path + " is refused when normalized again", e);
        }
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String decoded = percentDecode(segments[i]);
            assertThat(decoded)
                    .as("segment %d of %s as the application reads it", i, path)
                    .isNotIn(".", "..")
                    .doesNotContain("/", "\\", "\0");
            if (i < segments.length - 1) {
                assertThat(segments[i]).as("empty segment inside %s", path).isNotEmpty();
            }
        }
    }

    /** What an application does to a path segment: every {@code %XX} becomes its byte. */
    private static String percentDecode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length()) {
                bytes.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(ISO_8859_1);
    }
}
