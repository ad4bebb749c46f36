package dev.authsidecar.mainservice;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** One access-log line per request, e.g. {@code 2026-11-26T21:30:00.123Z GET /ping 200 0.41ms subject=alice}. */
final class RequestLog extends Filter {

    // Fixed millisecond precision: Instant.toString() drops the fraction when it is zero,
    // which makes the lines harder to parse.
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

    private final PrintStream out;

    RequestLog(PrintStream out) {
        this.out = out;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Instant started = Instant.now();
        long startNanos = System.nanoTime();
        try {
            chain.doFilter(exchange);
        } finally {
            String line = format(started,
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getResponseCode(),
                    System.nanoTime() - startNanos,
                    exchange.getRequestHeaders().getFirst("X-Auth-Subject"));
            // A single println per line: PrintStream synchronizes each call, so lines from
            // concurrent requests do not interleave.
            out.println(line);
        }
    }

    @Override
    public String description() {
        return "access log";
    }

    static String format(Instant time, String method, String path, int status, long nanos, String subject) {
        return String.format(Locale.ROOT, "%s %s %s %d %.2fms subject=%s",
                TIME.format(time), method, path, status, nanos / 1_000_000.0,
                subject == null || subject.isEmpty() ? "-" : printable(subject));
    }

    /** The subject comes from a client-controlled header; keep it from forging extra log lines. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder(value.length());
        value.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
