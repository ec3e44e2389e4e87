package io.sluice.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * B7's request counter: a TCP relay on loopback in front of an S3 server that reads the head of each request to
 * count it by kind, and passes every byte on unchanged, so the clients' signatures (SigV4 signs the Host header)
 * stay valid and neither side can tell it is there. Responses are relayed without being parsed.
 *
 * <p>{@code GET /__b7/counts} answers {@code list=N head=N get=N put=N copy=N other=N up=BYTES down=BYTES} (up:
 * client to server, down: back, heads included); {@code GET /__b7/counts?reset} sets them to zero after answering.
 *
 * <p>Usage: {@code CountingProxy LISTEN_PORT TARGET_PORT}
 */
public final class CountingProxy {
    /** PUT is a whole object or one part of a multipart upload; COPY a server-side copy (a PUT naming a source). */
    enum Kind { LIST, HEAD, GET, PUT, COPY, OTHER }

    private static final String CONTROL = "/__b7/counts";
    private static final int UP = Kind.values().length;
    private static final int DOWN = UP + 1;
    private static final AtomicLongArray COUNTS = new AtomicLongArray(DOWN + 1);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private CountingProxy() {
    }

    public static void main(String[] args) throws IOException {
        int target = Integer.parseInt(args[1]);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(LOOPBACK, Integer.parseInt(args[0])), 1024);
            while (true) {
                Socket client = listener.accept();
                Thread.ofVirtual().start(() -> serve(client, target));
            }
        }
    }

    private static void serve(Socket client, int target) {
        try (client) {
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            Head head = Head.read(in);
            if (head == null) return;
            if (head.path().equals(CONTROL)) {
                answer(client.getOutputStream(), head.query().contains("reset"));
                return;
            }
            try (Socket server = new Socket(LOOPBACK, target)) {
                server.setTcpNoDelay(true);
                Thread responses = Thread.ofVirtual().start(() -> relayResponses(server, client));
                OutputStream out = new BufferedOutputStream(server.getOutputStream(), 64 * 1024);
                try {
                    for (; head != null; head = Head.read(in)) {
                        COUNTS.incrementAndGet(head.kind().ordinal());
                        COUNTS.addAndGet(UP, head.bytes().length + head.relayBody(in, out));
                    }
                    server.shutdownOutput();
                    responses.join();
                } catch (IOException e) {
                    // a side closed mid-request: closing both sockets (try-with-resources) ends the other direction
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client or the server went away; the counts so far stand
        }
    }

    /** Server to client, byte for byte, until the server closes; then the client's socket is closed too. */
    private static void relayResponses(Socket server, Socket client) {
        byte[] buf = new byte[64 * 1024];
        try (client) {
            InputStream in = server.getInputStream();
            OutputStream out = client.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                COUNTS.addAndGet(DOWN, n);
            }
        } catch (IOException e) {
            // the other direction sees the closed socket and ends
        }
    }

    private static void answer(OutputStream out, boolean reset) throws IOException {
        StringBuilder body = new StringBuilder();
        for (Kind k : Kind.values()) {
            body.append(k.name().toLowerCase(Locale.ROOT)).append('=').append(take(k.ordinal(), reset)).append(' ');
        }
        body.append("up=").append(take(UP, reset)).append(" down=").append(take(DOWN, reset)).append('\n');
        byte[] bytes = body.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    private static long take(int i, boolean reset) {
        return reset ? COUNTS.getAndSet(i, 0) : COUNTS.get(i);
    }

    /** A request's head as it came (to be relayed unchanged) and what the relay needs from it. */
    private record Head(byte[] bytes, String method, String path, String query, long contentLength, boolean chunked,
                        boolean copySource) {

        /** The next request's head, or null when the client closed the connection between requests. */
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream raw = new ByteArrayOutputStream(1024);
            int matched = 0; // of "\r\n\r\n"
            for (int b; matched < 4; ) {
                if ((b = in.read()) < 0) {
                    if (raw.size() == 0) return null;
                    throw new EOFException("connection closed inside a request head");
                }
                raw.write(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
                if (raw.size() > 256 * 1024) throw new IOException("request head over 256 KB");
            }
            byte[] bytes = raw.toByteArray();
            String[] lines = new String(bytes, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] request = lines[0].split(" ");
            String target = request[1];
            int q = target.indexOf('?');
            long length = 0;
            boolean chunked = false;
            boolean copy = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) continue;
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "x-amz-copy-source" -> copy = true;
                    default -> { }
                }
            }
            return new Head(bytes, request[0], q < 0 ? target : target.substring(0, q), q < 0 ? "" : target.substring(q + 1),
                    length, chunked, copy);
        }

        /** Path style: {@code /bucket} (a bucket request) or {@code /bucket/key} (an object request). */
        Kind kind() {
            int slash = path.indexOf('/', 1);
            boolean object = slash > 0 && slash < path.length() - 1;
            boolean bucket = !object && path.length() > 1;
            return switch (method) {
                case "HEAD" -> Kind.HEAD;
                // a bucket's listing, or the parts of an upload (ListParts); GetBucketLocation is not a listing
                case "GET" -> bucket ? query.contains("location") ? Kind.OTHER : Kind.LIST
                        : object ? query.contains("uploadId") ? Kind.LIST : Kind.GET : Kind.OTHER;
                case "PUT" -> !object ? Kind.OTHER : copySource ? Kind.COPY : Kind.PUT;
                default -> Kind.OTHER; // POST (start or complete a multipart upload, delete many), DELETE
            };
        }

        /** Writes the head, then the body as framed by Content-Length or chunked encoding; returns the body's bytes. */
        long relayBody(InputStream in, OutputStream out) throws IOException {
            out.write(bytes);
            out.flush(); // with "Expect: 100-continue" the client waits for the server's answer to the head alone
            long n = chunked ? relayChunks(in, out) : copy(in, out, contentLength);
            out.flush();
            return n;
        }

        private static long relayChunks(InputStream in, OutputStream out) throws IOException {
            long total = 0;
            while (true) {
                String line = relayLine(in, out);
                total += line.length() + 2;
                int ext = line.indexOf(';');
                long size = Long.parseLong((ext < 0 ? line : line.substring(0, ext)).trim(), 16);
                if (size == 0) {
                    for (String trailer = line; !(trailer = relayLine(in, out)).isEmpty(); ) total += trailer.length() + 2;
                    return total + 2;
                }
                total += copy(in, out, size + 2); // the chunk and its CRLF
            }
        }

        private static String relayLine(InputStream in, OutputStream out) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) throw new EOFException("connection closed inside a chunked body");
                out.write(b);
                if (b != '\r') line.append((char) b);
            }
            out.write('\n');
            return line.toString();
        }

        private static long copy(InputStream in, OutputStream out, long length) throws IOException {
            byte[] buf = new byte[64 * 1024];
            for (long left = length; left > 0; ) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) throw new EOFException("connection closed inside a request body");
                out.write(buf, 0, n);
                left -= n;
            }
            return length;
        }
    }
}
