package dev.authsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/Load.java, the constant-rate load client of bench/tail-run.sh, run as the script runs it (the JDK's
 * single-file launcher) against a real server that stalls once. Nothing here is timed: the stall is long (1 s)
 * next to the schedule's 5 ms spacing, so what the assertions check is how the client counts, not how fast
 * anything is.
 */
class LoadClientTest {
    private static final Path ROOT = Manifests.repoRoot();
    private static final String JAVA =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Pattern SPACE = Pattern.compile(" ");
    private static final long STALL_MS = 1000;
    /** 2 s of warm-up (the client's own class loading and JIT) at 200 req/s, then the stall at the 50th measured. */
    private static final int STALLED_REQUEST = 450;

    /**
     * One connection, requests due 5 ms apart (2 s unrecorded, 2 s recorded: 400); the server holds its answer to
     * one of the recorded ones for 1 s. A client that measured from the actual send (as wrk does) would see one slow
     * request; this one counts the ~200 requests that were due during the stall from their due time, so each is
     * slow by what it waited.
     */
    @Test
    void aStallCountsAgainstEveryRequestDueDuringIt(@TempDir Path dir) throws Exception {
        AtomicInteger served = new AtomicInteger();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HttpServerCodec(), new HttpObjectAggregator(1024), new Pong(served));
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .sync()
                    .channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            Path slowLog = dir.resolve("slow.txt");

            Process p = new ProcessBuilder(List.of(
                            JAVA,
                            "-cp",
                            System.getProperty("java.class.path"),
                            ROOT.resolve("bench/Load.java").toString(),
                            "http://127.0.0.1:" + port + "/ping",
                            "--rate",
                            "200",
                            "--connections",
                            "1",
                            "--warmup",
                            "2",
                            "--duration",
                            "2",
                            "--slow-log",
                            slowLog.toString(),
                            "--slow-us",
                            "100000"))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();

            Map<String, Long> report = parse(out);
            // Every request due in the recorded 2 s was sent and counted: the client caught up after the stall.
            assertThat(report).containsEntry("requests", 400L).containsEntry("errors", 0L);
            assertThat(report.get("max_us")).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toMicros(STALL_MS));
            // The slow log: due time (wall-clock µs), latency and service time (µs). The held request is slow by both.
            // Every request due during the stall waited in line behind it: it cannot have been answered before the
            // held answer came, STALL_MS after the held one was due, so its latency from its own due time is at least
            // what was left of the stall then, though its own service time is short.
            List<long[]> slow = Files.readAllLines(slowLog).stream()
                    .filter(l -> !l.startsWith("#"))
                    .map(l -> Arrays.stream(SPACE.split(l))
                            .mapToLong(Long::parseLong)
                            .toArray())
                    .toList();
            List<long[]> held =
                    slow.stream().filter(r -> r[2] >= STALL_MS * 1000).toList();
            assertThat(held).as("requests slow from their actual send").hasSize(1);
            long heldDue = held.get(0)[0];
            Map<Long, long[]> byDue = new HashMap<>();
            slow.forEach(r -> byDue.put(r[0], r));
            int waitedInLine = 0;
            for (long due = heldDue + 5000; due < heldDue + (STALL_MS - 100) * 1000; due += 5000) {
                long[] r = byDue.get(due);
                assertThat(r)
                        .as("the request due %d µs after the held one, in the slow log", due - heldDue)
                        .isNotNull();
                assertThat(r[1]).as("its latency").isGreaterThanOrEqualTo(heldDue + STALL_MS * 1000 - due - 1);
                if (r[2] < 100_000) {
                    waitedInLine++;
                }
            }
            // 179 requests were due in the first 900 ms of the stall; a client measuring from the actual send would
            // have called (nearly) all of them fast.
            assertThat(waitedInLine).isGreaterThan(150);
            assertThat(served.get()).isEqualTo(800);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aBadArgumentIsRefusedWithItsReason() throws Exception {
        Process p = new ProcessBuilder(List.of(
                        JAVA,
                        "-cp",
                        System.getProperty("java.class.path"),
                        ROOT.resolve("bench/Load.java").toString(),
                        "http://127.0.0.1:1/ping",
                        "--rate",
                        "0"))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("load: rate, connections and duration must be positive");
    }

    private static Map<String, Long> parse(String out) {
        Map<String, Long> m = new HashMap<>();
        String line = out.lines()
                .filter(l -> l.startsWith("requests="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no report line in: " + out));
        for (String kv : SPACE.split(line)) {
            String[] p = kv.split("=", 2);
            try {
                m.put(p[0], (long) Double.parseDouble(p[1]));
            } catch (NumberFormatException e) {
                // transport=epoll and the like
            }
        }
        return m;
    }

    /** Answers 200 pong; holds its answer to request STALLED_REQUEST for STALL_MS. */
    private static final class Pong extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AtomicInteger served;

        Pong(AtomicInteger served) {
            this.served = served;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            var response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("{\"message\":\"pong\"}", StandardCharsets.UTF_8));
            response.headers()
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            if (served.incrementAndGet() == STALLED_REQUEST) {
                ctx.executor().schedule(() -> ctx.writeAndFlush(response), STALL_MS, TimeUnit.MILLISECONDS);
            } else {
                ctx.writeAndFlush(response);
            }
        }
    }
}
