package dev.authsidecar.mainservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Writes JSON responses; the only place that touches the response body. */
final class Json {

    static final String CONTENT_TYPE = "application/json";

    // ObjectMapper is thread-safe once configured, so one instance serves all requests.
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        if (exchange.getRequestMethod().equals("HEAD")) {
            // The JDK server refuses a body length for HEAD (-1 means "no body"), but a HEAD
            // response should still advertise the length the GET would have.
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }
}
