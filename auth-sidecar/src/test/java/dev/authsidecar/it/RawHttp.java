package dev.authsidecar.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A plain socket for tests that must put exact bytes on the wire (framing attacks, slow clients, Expect,
 * pipelining), which an HTTP client library would refuse or fix up.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    public RawHttp(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    public RawHttp send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Half-close: the client's FIN, while it can still read ({@code shutdown(SHUT_WR)}, {@code nc -N}). */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    public InputStream input() {
        return in;
    }

    public void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads until {@code marker} has been seen, or the connection closed or timed out. */
    public String readUntil(String marker) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) != -1) {
                buf.write(b);
                if (buf.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // What arrived so far is the answer.
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads everything until the server closes the connection (or the read times out). */
    public String readToEnd() throws IOException {
        return readUntil("\u0000never\u0000");
    }

    /** Whether the server has closed its side: a read returns end-of-stream (or reset). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
