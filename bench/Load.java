import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A constant-rate HTTP/1.1 load client free of coordinated omission (bench/tail-run.sh runs it; run it with the
 * sidecar's jar, for Netty, and HdrHistogram on the class path):
 *
 * <pre>
 * java -cp auth-sidecar.jar:HdrHistogram.jar bench/Load.java URL [--rate 1000] [--connections 16]
 *      [--duration 60] [--warmup 0] [-H 'Name: value']... [--histogram FILE] [--slow-log FILE] [--slow-us 1000]
 * </pre>
 *
 * Request i of connection c is due at start + (i * connections + c) / rate: the connections take turns, so the
 * whole load is evenly spaced. A keep-alive connection has one request in flight (no pipelining, as browsers and
 * proxies do), so a request whose predecessor is late goes out late; its latency is still counted from the time
 * it was due. A stall therefore counts against every request that should have gone out during it, which is what a
 * user of a server with a steady arrival rate sees, and what a closed-loop client such as wrk hides (it waits,
 * and sends fewer requests during a stall). This is the scheme of Gil Tene's wrk2, written here because Debian
 * has no wrk2 package and h2load's --rps measures from the actual send.
 *
 * <p>Prints one line of {@code key=value}: requests, errors, latency percentiles (µs, from the due time), the same
 * from the actual send time ("service", what a coordinated-omission-prone client would report), and how late each
 * request went out (the client's own timer and CPU, and waiting for a late predecessor). --slow-log writes one
 * line per request slower than --slow-us: its due time (µs since the epoch), latency and service time (µs), for
 * lining slow requests up with GC or safepoint logs.
 *
 * <p>Everything runs on one Netty event loop, so the histograms need no locking.
 */
public final class Load {
    private static final long MAX_TRACKED_US = TimeUnit.SECONDS.toMicros(60);

    record Options(URI url, double rate, int connections, double duration, double warmup, List<String[]> headers,
            Path histogram, Path slowLog, long slowUs) {
        static Options parse(String[] args) {
            URI url = null;
            double rate = 1000;
            int connections = 16;
            double duration = 60;
            double warmup = 0;
            List<String[]> headers = new ArrayList<>();
            Path histogram = null;
            Path slowLog = null;
            long slowUs = 1000;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("-")) {
                    url = URI.create(a);
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--connections" -> connections = Integer.parseInt(v);
                    case "--duration" -> duration = Double.parseDouble(v);
                    case "--warmup" -> warmup = Double.parseDouble(v);
                    case "-H" -> {
                        int colon = v.indexOf(':');
                        if (colon <= 0) {
                            throw new IllegalArgumentException("-H wants 'Name: value', got: " + v);
                        }
                        headers.add(new String[] {v.substring(0, colon).strip(), v.substring(colon + 1).strip()});
                    }
                    case "--histogram" -> histogram = Path.of(v);
                    case "--slow-log" -> slowLog = Path.of(v);
                    case "--slow-us" -> slowUs = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (url == null || !"http".equals(url.getScheme()) || url.getPort() < 0) {
                throw new IllegalArgumentException("an http://host:port/path URL is required");
            }
            if (rate <= 0 || connections <= 0 || duration <= 0 || warmup < 0) {
                throw new IllegalArgumentException("rate, connections and duration must be positive");
            }
            return new Options(url, rate, connections, duration, warmup, List.copyOf(headers), histogram, slowLog,
                    slowUs);
        }
    }

    /** What one run measured; touched only on the event loop. */
    static final class Recorder {
        final Histogram latency = new Histogram(MAX_TRACKED_US, 3);
        final Histogram service = new Histogram(MAX_TRACKED_US, 3);
        final Histogram late = new Histogram(MAX_TRACKED_US, 3);
        final StringBuilder slow = new StringBuilder();
        final long measureFrom;
        final long measureUntil;
        final long epochMicrosAtNanoZero;
        final long slowUs;
        long errors;

        Recorder(long measureFrom, long measureUntil, long epochMicrosAtNanoZero, long slowUs) {
            this.measureFrom = measureFrom;
            this.measureUntil = measureUntil;
            this.epochMicrosAtNanoZero = epochMicrosAtNanoZero;
            this.slowUs = slowUs;
        }

        boolean measured(long due) {
            return due >= measureFrom && due < measureUntil;
        }

        /** Times in System.nanoTime(); latency from the due time, service time from the actual send. */
        void record(long due, long sent, long done) {
            if (!measured(due)) {
                return;
            }
            long latencyUs = Math.min((done - due) / 1000, MAX_TRACKED_US);
            long serviceUs = Math.min((done - sent) / 1000, MAX_TRACKED_US);
            latency.recordValue(latencyUs);
            service.recordValue(serviceUs);
            late.recordValue(Math.min(Math.max(0, sent - due) / 1000, MAX_TRACKED_US));
            if (latencyUs >= slowUs) {
                slow.append(epochMicrosAtNanoZero + due / 1000).append(' ').append(latencyUs).append(' ')
                        .append(serviceUs).append('\n');
            }
        }
    }

    /** One keep-alive connection: sends its requests on their schedule, one at a time. */
    static final class Connection extends ChannelInboundHandlerAdapter {
        private final Options options;
        private final Recorder recorder;
        private final CountDownLatch finished;
        private final long firstDue;
        private final long period;
        private final long stopAt;
        private long due;
        private long sent;
        private boolean ok;
        private boolean done;
        private ChannelHandlerContext ctx;

        Connection(Options options, Recorder recorder, CountDownLatch finished, long firstDue, long period, long stopAt) {
            this.options = options;
            this.recorder = recorder;
            this.finished = finished;
            this.firstDue = firstDue;
            this.period = period;
            this.stopAt = stopAt;
            this.due = firstDue;
        }

        void start(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            sendWhenDue();
        }

        private void sendWhenDue() {
            if (due >= stopAt) {
                finish();
                return;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                ctx.executor().schedule(this::send, wait, TimeUnit.NANOSECONDS);
            } else {
                send(); // behind schedule (a slow response): send at once, the latency still counts from `due`
            }
        }

        private void send() {
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, options.url().getRawPath());
            request.headers().set(HttpHeaderNames.HOST, options.url().getHost() + ":" + options.url().getPort());
            for (String[] h : options.headers()) {
                request.headers().add(h[0], h[1]);
            }
            ok = false;
            sent = System.nanoTime();
            ctx.writeAndFlush(request);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    ok = response.status().equals(HttpResponseStatus.OK);
                }
                if (msg instanceof LastHttpContent) {
                    long now = System.nanoTime();
                    if (!ok && recorder.measured(due)) {
                        recorder.errors++;
                    }
                    recorder.record(due, sent, now);
                    due += period;
                    sendWhenDue();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                // The server closed a keep-alive connection mid-run: every request it still owed is an error.
                for (long d = due; d < stopAt; d += period) {
                    if (recorder.measured(d)) {
                        recorder.errors++;
                    }
                }
                finish();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("load: " + cause);
            ctx.close();
        }

        private void finish() {
            if (!done) {
                done = true;
                finished.countDown();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("load: " + e.getMessage());
            System.exit(2);
            return;
        }
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            EventLoop loop = group.next();
            // The default timer slack (50 µs) would delay every timed send by up to that much; ask for 1 ns on the
            // event loop's thread (Linux only; harmless where it is refused).
            loop.submit(() -> {
                try {
                    Files.writeString(Path.of("/proc/thread-self/timerslack_ns"), "1");
                } catch (Exception | Error ignored) {
                    // not Linux, or not permitted: the lateness column shows what the timer did
                }
            }).sync();
            Bootstrap bootstrap = new Bootstrap().group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec());
                        }
                    });
            List<Channel> channels = new ArrayList<>();
            for (int c = 0; c < o.connections(); c++) {
                channels.add(bootstrap.connect(o.url().getHost(), o.url().getPort()).sync().channel());
            }
            // Zero of the schedule a little ahead, so that the first requests are not already late.
            long now = System.nanoTime();
            Instant wall = Instant.now();
            long zero = now + TimeUnit.MILLISECONDS.toNanos(100);
            // nanoTime has no epoch; this turns one into wall-clock µs for the slow log.
            long epochMicrosAtNanoZero = wall.getEpochSecond() * 1_000_000 + wall.getNano() / 1000 - now / 1000;
            long measureFrom = zero + (long) (o.warmup() * 1e9);
            long stopAt = measureFrom + (long) (o.duration() * 1e9);
            double gap = 1e9 / o.rate();
            long period = Math.round(gap * o.connections());
            Recorder recorder = new Recorder(measureFrom, stopAt, epochMicrosAtNanoZero, o.slowUs());
            CountDownLatch finished = new CountDownLatch(o.connections());
            for (int c = 0; c < o.connections(); c++) {
                Connection conn = new Connection(o, recorder, finished, zero + Math.round(c * gap), period, stopAt);
                Channel ch = channels.get(c);
                ch.pipeline().addLast(conn);
                loop.execute(() -> conn.start(ch.pipeline().context(conn)));
            }
            long runNanos = stopAt - System.nanoTime();
            if (!finished.await(runNanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS)) {
                System.err.println("load: " + finished.getCount() + " connections still waited for a response 30 s"
                        + " after the end");
                System.exit(1);
            }
            loop.submit(() -> report(o, recorder, epoll)).sync();
            for (Channel ch : channels) {
                ch.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void report(Options o, Recorder r, boolean epoll) {
        Histogram l = r.latency;
        Histogram s = r.service;
        System.out.printf(Locale.ROOT,
                "requests=%d errors=%d rate=%.0f connections=%d transport=%s"
                        + " p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f"
                        + " service_p50_us=%d service_p99_us=%d service_p999_us=%d service_max_us=%d"
                        + " late_p50_us=%d late_p99_us=%d late_max_us=%d%n",
                l.getTotalCount(), r.errors, o.rate(), o.connections(), epoll ? "epoll" : "nio",
                l.getValueAtPercentile(50), l.getValueAtPercentile(90), l.getValueAtPercentile(99),
                l.getValueAtPercentile(99.9), l.getMaxValue(), l.getMean(),
                s.getValueAtPercentile(50), s.getValueAtPercentile(99), s.getValueAtPercentile(99.9), s.getMaxValue(),
                r.late.getValueAtPercentile(50), r.late.getValueAtPercentile(99), r.late.getMaxValue());
        try {
            if (o.histogram() != null) {
                try (PrintStream out = new PrintStream(Files.newOutputStream(o.histogram()), false, "UTF-8")) {
                    l.outputPercentileDistribution(out, 1.0);
                }
            }
            if (o.slowLog() != null) {
                Files.writeString(o.slowLog(), "# due_epoch_us latency_us service_us\n" + r.slow);
            }
        } catch (Exception e) {
            System.err.println("load: could not write " + e);
        }
    }
}
