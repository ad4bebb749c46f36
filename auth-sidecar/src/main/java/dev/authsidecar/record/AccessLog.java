package dev.authsidecar.record;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.authsidecar.config.AccessLogConfig;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One line per request on stdout, JSON or plain text. Lines are built on the event loop into a per-thread
 * buffer and appended whole to a shared buffer that is written out when full and every 200 ms, so logging
 * costs no system call per request and lines never interleave. No field carries a token, a key or a query.
 */
public final class AccessLog implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory().setRootValueSeparator("");

    private final AccessLogConfig.Format format;
    private final OutputStream out;
    private final ScheduledExecutorService flusher;
    private final FastThreadLocal<LineBuffer> lines = new FastThreadLocal<>() {
        @Override
        protected LineBuffer initialValue() throws IOException {
            return new LineBuffer();
        }
    };

    public AccessLog(AccessLogConfig.Format format) {
        this(format, new FileOutputStream(FileDescriptor.out));
    }

    AccessLog(AccessLogConfig.Format format, OutputStream target) {
        this.format = format;
        this.out = new BufferedOutputStream(target, 64 * 1024);
        if (format == AccessLogConfig.Format.OFF) {
            this.flusher = null;
        } else {
            this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "access-log");
                t.setDaemon(true);
                return t;
            });
            flusher.scheduleWithFixedDelay(this::flush, 200, 200, TimeUnit.MILLISECONDS);
        }
    }

    void write(RequestRecord r, long nanos) {
        if (format == AccessLogConfig.Format.OFF) {
            return;
        }
        LineBuffer line = lines.get();
        try {
            if (format == AccessLogConfig.Format.JSON) {
                line.json(r, nanos);
            } else {
                line.text(r, nanos);
            }
            synchronized (out) {
                line.bytes.writeTo(out);
            }
        } catch (IOException e) {
            // stdout is gone (the container runtime closed it): drop the line; the request goes on regardless.
        } finally {
            line.bytes.reset();
        }
    }

    void flush() {
        synchronized (out) {
            try {
                out.flush();
            } catch (IOException e) {
                // stdout is gone (the container runtime closed it): nothing useful left to do with the line.
            }
        }
    }

    @Override
    public void close() {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        flush();
    }

    /** A reusable line under construction, one per event-loop thread. */
    private static final class LineBuffer {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        final JsonGenerator json;

        LineBuffer() throws IOException {
            json = JSON.createGenerator(bytes, JsonEncoding.UTF8);
        }

        void json(RequestRecord r, long nanos) throws IOException {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(r.startMillis).toString());
            json.writeStringField("requestId", r.requestId);
            if (r.traceId != null) {
                json.writeStringField("traceId", r.traceId);
            }
            json.writeStringField("client", r.clientIp);
            json.writeStringField("protocol", RequestRecord.PROTOCOLS[r.protocol]);
            json.writeStringField("method", r.method);
            json.writeStringField("path", r.path);
            json.writeNumberField("status", r.status);
            json.writeNumberField("durationMs", Math.round(nanos / 1000.0) / 1000.0);
            json.writeNumberField("bytesIn", r.bytesIn);
            json.writeNumberField("bytesOut", r.bytesOut);
            json.writeStringField("subject", r.subject);
            json.writeStringField("authMethod", r.authMethod);
            json.writeStringField("authResult", r.authResult.label());
            if (r.upstreamStatus != 0) {
                json.writeNumberField("upstreamStatus", r.upstreamStatus);
            } else {
                json.writeNullField("upstreamStatus");
            }
            if (r.grpcStatus >= 0) {
                json.writeNumberField("grpcStatus", r.grpcStatus);
            }
            if (r.tunnelEnd != null) {
                json.writeStringField("tunnelEnd", r.tunnelEnd);
            }
            json.writeEndObject();
            json.flush();
            bytes.write('\n');
        }

        void text(RequestRecord r, long nanos) throws IOException {
            StringBuilder sb = new StringBuilder(160)
                    .append(Instant.ofEpochMilli(r.startMillis))
                    .append(' ')
                    .append(r.clientIp)
                    .append(' ')
                    .append(r.method == null ? "-" : r.method)
                    .append(' ')
                    .append(r.path == null ? "-" : r.path)
                    .append(' ')
                    .append(r.status)
                    .append(' ')
                    .append(Math.round(nanos / 1000.0) / 1000.0)
                    .append("ms")
                    .append(" in=")
                    .append(r.bytesIn)
                    .append(" out=")
                    .append(r.bytesOut)
                    .append(" subject=")
                    .append(r.subject == null ? "-" : r.subject)
                    .append(" auth=")
                    .append(r.authMethod == null ? "-" : r.authMethod)
                    .append('/')
                    .append(r.authResult.label())
                    .append(" upstream=")
                    .append(r.upstreamStatus == 0 ? "-" : Integer.toString(r.upstreamStatus))
                    .append(" id=")
                    .append(r.requestId)
                    .append(" proto=")
                    .append(RequestRecord.PROTOCOLS[r.protocol]);
            if (r.grpcStatus >= 0) {
                sb.append(" grpc=").append(r.grpcStatus);
            }
            if (r.traceId != null) {
                sb.append(" trace=").append(r.traceId);
            }
            if (r.tunnelEnd != null) {
                sb.append(" tunnel=").append(r.tunnelEnd);
            }
            bytes.write(sb.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
