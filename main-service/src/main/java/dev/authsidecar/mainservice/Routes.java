package dev.authsidecar.mainservice;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Single handler for "/" so that unknown paths and wrong methods get JSON errors, not the JDK's HTML. */
final class Routes implements HttpHandler {

    static final String ALLOW = "GET, HEAD";

    private static final String IDENTITY_PREFIX = "x-auth-";

    @FunctionalInterface
    private interface Endpoint {
        Object respond(Headers requestHeaders);
    }

    private final Map<String, Endpoint> endpoints = Map.of(
            "/ping", headers -> Map.of("message", "pong"),
            "/healthz", headers -> Map.of("status", "ok"),
            "/whoami", Routes::identityHeaders);

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            Endpoint endpoint = endpoints.get(exchange.getRequestURI().getPath());
            String method = exchange.getRequestMethod();
            if (endpoint == null) {
                Json.send(exchange, 404, Map.of("error", "not found"));
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", ALLOW);
                Json.send(exchange, 405, Map.of("error", "method not allowed"));
            } else {
                Json.send(exchange, 200, endpoint.respond(exchange.getRequestHeaders()));
            }
        } catch (RuntimeException e) {
            // Without this the JDK server just drops the connection and the client sees no status.
            if (exchange.getResponseCode() == -1) {
                Json.send(exchange, 500, Map.of("error", "internal error"));
            }
            throw e;
        }
    }

    /** Sorted so the output is stable regardless of the order the proxy sent headers in. */
    static Map<String, String> identityHeaders(Headers headers) {
        Map<String, List<String>> merged = new TreeMap<>();
        // The JDK folds header names to "X-auth-subject"; case variants of one name land in one
        // entry, but we still merge by canonical name in case a future JDK stops folding.
        headers.forEach((name, values) -> {
            if (name.toLowerCase(Locale.ROOT).startsWith(IDENTITY_PREFIX)) {
                merged.computeIfAbsent(canonicalName(name), k -> new ArrayList<>()).addAll(values);
            }
        });
        Map<String, String> result = new TreeMap<>();
        merged.forEach((name, values) -> result.put(name, String.join(", ", values)));
        return result;
    }

    static String canonicalName(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean startOfWord = true;
        for (char c : name.toCharArray()) {
            out.append(startOfWord ? Character.toUpperCase(c) : Character.toLowerCase(c));
            startOfWord = c == '-';
        }
        return out.toString();
    }
}
