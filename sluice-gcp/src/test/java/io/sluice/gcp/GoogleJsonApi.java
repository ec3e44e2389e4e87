package io.sluice.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/** What the project's stand-ins for Google's JSON APIs (BigQuery, Cloud Storage) share: the server and the wire. */
public final class GoogleJsonApi {
    public static final ObjectMapper JSON = new ObjectMapper();

    private GoogleJsonApi() {}

    /** An error answer: HTTP code, Google's reason ({@code notFound}, {@code conditionNotMet}, ...) and message. */
    public static final class Failure extends Exception {
        public final int code;
        public final String reason;

        public Failure(int code, String reason, String message) {
            super(message, null, false, false);
            this.code = code;
            this.reason = reason;
        }
    }

    /** A server on a free loopback port, answering every path with {@code handler}. */
    public static HttpServer serve(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", handler);
        server.start();
        return server;
    }

    public static String endpoint(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public static void stop(HttpServer server) {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** The request's body, gunzipped when the client compressed it (google-http-client does by default). */
    public static byte[] body(HttpExchange x) throws IOException {
        byte[] raw = x.getRequestBody().readAllBytes();
        if (!"gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))) return raw;
        try (var in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        }
    }

    /**
     * A call as both APIs route it: its method ({@code X-HTTP-Method-Override} wins: the client sends PATCH as a POST
     * so), its raw path (for messages), the path's decoded segments, and its query.
     */
    public record Call(String method, String rawPath, String[] path, Map<String, String> query) {
        public static Call of(HttpExchange x) {
            String override = x.getRequestHeaders().getFirst("X-HTTP-Method-Override");
            String raw = x.getRequestURI().getRawPath();
            String[] segments = raw.substring(1).split("/", -1);
            for (int i = 0; i < segments.length; i++) segments[i] = decode(segments[i]);
            return new Call(
                    override != null ? override : x.getRequestMethod(),
                    raw,
                    segments,
                    GoogleJsonApi.query(x.getRequestURI().getRawQuery()));
        }
    }

    /** Decodes a path segment or query value: {@code %xx} only (the client escapes a space as %20; '+' is a plus). */
    public static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    public static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) q.put(decode(pair), "");
            else q.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
        return q;
    }

    public static void send(HttpExchange x, int code, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        x.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Google's error body: {@code {"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}}. */
    public static void error(HttpExchange x, Failure f) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode e = body.putObject("error");
        e.put("code", f.code);
        e.put("message", f.getMessage());
        e.putArray("errors")
                .addObject()
                .put("domain", "global")
                .put("reason", f.reason)
                .put("message", f.getMessage());
        send(x, f.code, body);
    }
}
