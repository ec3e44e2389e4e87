package io.sluice.storage.gcs;

import static io.sluice.gcp.GoogleJsonApi.JSON;
import static io.sluice.gcp.GoogleJsonApi.send;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.gcp.GoogleJsonApi;
import io.sluice.gcp.GoogleJsonApi.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * A stand-in for Google Cloud Storage's JSON API, written by this project for its tests: NOT Google's server, and no
 * emulator (none runs on this machine). It speaks the calls google-cloud-storage's {@code Storage} client makes for
 * {@link GcsObjectStore} ({@code StorageOptions.setHost}, plain http, no credentials): objects.insert (uploadType
 * media, multipart, and resumable with its session PUTs and {@code Content-Range}), objects.get of metadata and of
 * media ({@code alt=media}, {@code Range}, {@code generation}), objects.list, objects.delete and objects.rewrite. Objects
 * live in memory, one live generation per name (a bucket without object versioning).
 *
 * <p>Taken from GCS's documentation, read for this stand-in ("Request preconditions", objects.list, "Performing
 * resumable uploads"): a failed {@code ifGenerationMatch} / {@code ifMetagenerationMatch} answers 412, a failed
 * {@code ifGenerationNotMatch} / {@code ifMetagenerationNotMatch} 304; listings are in lexicographic order of the
 * names, {@code startOffset} inclusive and {@code endOffset} exclusive, at most {@code maxResults} or 1000 items a page
 * with a {@code nextPageToken}; a session PUT that does not finish the upload answers 308 with the {@code Range} held
 * (none when nothing is). From GCS's JSON API reference as known, not re-read here: {@code ifGenerationMatch=0} means
 * "no live object"; {@code md5Hash} and {@code crc32c} are base64 of the digest (crc32c big-endian); a provided
 * checksum that does not match the bytes fails the upload (400); a rewrite answers a {@code storage#rewriteResponse}
 * with the new object as {@code resource}; a range starting at or past the end answers 416.
 *
 * <p>Guesses: the error messages ("No such object: bucket/name", "The specified bucket does not exist.", "At least one
 * of the pre-conditions you specified did not hold.", written as GCS is remembered to word them); a resumable upload's
 * preconditions checked both when it starts and when it is finalized; generations as increasing microsecond
 * timestamps; a read or rewrite of a generation that is not the live one answering 404 (a bucket without versioning);
 * an empty object read whole whatever the Range. Not done: delimiter, versions, composite objects, ACLs, IAM, buckets'
 * own calls (a bucket exists when {@link #createBucket} made it), quotas, and the session query of an interrupted
 * upload past what the client sends.
 */
public final class GcsStandIn implements AutoCloseable {
    private static final Comparator<String> NAME_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8));
    private static final int MAX_PAGE = 1000;

    private final HttpServer server;
    private final Map<String, NavigableMap<String, Obj>> buckets = new HashMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    private final AtomicInteger sessionIds = new AtomicInteger();
    private long lastGeneration;

    /** Every request, as {@code METHOD path?query}, in order: what the client sent. */
    public final List<String> requests = new CopyOnWriteArrayList<>();

    /**
     * How many of the next one-request inserts with a precondition land, and then answer 503, as an answer lost after
     * GCS wrote the object: the client sends the request again (GCS's retry strategy calls such a request
     * conditionally idempotent).
     */
    public final AtomicInteger lostInsertAnswers = new AtomicInteger();

    private record Obj(
            String bucket,
            String name,
            byte[] bytes,
            long generation,
            long metageneration,
            String contentType,
            Instant created,
            Instant updated) {}

    private record Session(
            String bucket, String name, JsonNode metadata, Map<String, String> query, ByteArrayOutputStream bytes) {}

    public GcsStandIn() throws IOException {
        server = GoogleJsonApi.serve(this::handle);
    }

    /** The endpoint to give the store ({@code gcs.endpoint}). */
    public String endpoint() {
        return GoogleJsonApi.endpoint(server);
    }

    /**
     * A stand-in with these buckets, for a test class's static field: it lives as long as the test JVM (as the S3
     * tests' S3Proxy does).
     */
    public static GcsStandIn withBuckets(String... names) {
        try {
            GcsStandIn gcs = new GcsStandIn();
            for (String name : names) gcs.createBucket(name);
            return gcs;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public synchronized void createBucket(String bucket) {
        buckets.computeIfAbsent(bucket, b -> new TreeMap<>(NAME_ORDER));
    }

    /** Puts an object in place behind the client's back (a user's upload, the console's "Create folder"). */
    public synchronized void put(String bucket, String name, byte[] bytes) throws IOException {
        try {
            store(bucket, name, bytes, "application/octet-stream");
        } catch (Failure f) {
            throw new IOException(f.getMessage());
        }
    }

    @Override
    public void close() {
        GoogleJsonApi.stop(server);
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------

    private void handle(HttpExchange x) throws IOException {
        try {
            byte[] body = GoogleJsonApi.body(x);
            requests.add(x.getRequestMethod() + " " + x.getRequestURI());
            route(x, body);
        } catch (Failure f) {
            error(x, f);
        } catch (Exception e) {
            error(x, new Failure(500, "backendError", "stand-in: " + e));
        } finally {
            x.close();
        }
    }

    private void route(HttpExchange x, byte[] body) throws Exception {
        GoogleJsonApi.Call call = GoogleJsonApi.Call.of(x);
        String method = call.method();
        String path = call.rawPath();
        Map<String, String> q = call.query();
        String[] p = call.path();
        int at = p[0].equals("upload") || p[0].equals("download") ? 1 : 0;
        boolean upload = p[0].equals("upload");
        if (p.length < at + 4 || !p[at].equals("storage") || !p[at + 1].equals("v1") || !p[at + 2].equals("b")) {
            throw unknown(method, path);
        }
        String bucket = p[at + 3];
        List<String> rest = List.of(p).subList(at + 4, p.length);
        if (upload) {
            if (q.containsKey("upload_id")) {
                resumableChunk(x, q.get("upload_id"), body);
            } else {
                insert(x, bucket, q, body);
            }
            return;
        }
        if (rest.size() == 1 && rest.get(0).equals("o") && method.equals("GET")) {
            send(x, 200, list(bucket, q));
            return;
        }
        if (rest.size() == 7 && rest.get(2).equals("rewriteTo") && method.equals("POST")) {
            send(x, 200, rewrite(bucket, rest.get(1), rest.get(4), rest.get(6), q));
            return;
        }
        if (rest.size() == 2 && rest.get(0).equals("o")) {
            String name = rest.get(1);
            switch (method) {
                case "GET" -> get(x, bucket, name, q);
                case "DELETE" -> {
                    synchronized (this) {
                        Obj now = live(bucket, name, q);
                        preconditions(q, now, true);
                        objects(bucket).remove(name);
                    }
                    x.sendResponseHeaders(204, -1);
                }
                default -> throw new Failure(405, "methodNotAllowed", "stand-in: no " + method + " on an object");
            }
            return;
        }
        throw unknown(method, path);
    }

    /** 400, not 404: a call the stand-in does not know must fail, not read as a missing object. */
    private static Failure unknown(String method, String path) {
        return new Failure(400, "invalid", "stand-in: no route " + method + " " + path);
    }

    // ---- objects ------------------------------------------------------------------------------------------

    private void get(HttpExchange x, String bucket, String name, Map<String, String> q) throws Exception {
        Obj o;
        synchronized (this) {
            o = live(bucket, name, q);
            preconditions(q, o, false);
        }
        if (!"media".equals(q.get("alt"))) {
            send(x, 200, resource(o));
            return;
        }
        x.getResponseHeaders().set("Content-Type", o.contentType());
        x.getResponseHeaders().set("x-goog-generation", Long.toString(o.generation()));
        x.getResponseHeaders().set("x-goog-metageneration", Long.toString(o.metageneration()));
        x.getResponseHeaders().set("x-goog-stored-content-length", Integer.toString(o.bytes().length));
        x.getResponseHeaders().set("x-goog-hash", "crc32c=" + crc32c(o.bytes()) + ",md5=" + md5(o.bytes()));
        String range = x.getRequestHeaders().getFirst("Range");
        int size = o.bytes().length;
        if (range == null || size == 0) {
            sendBytes(x, 200, o.bytes(), 0, size);
            return;
        }
        if (!range.startsWith("bytes=") || range.contains(",")) {
            throw new Failure(400, "invalid", "stand-in: cannot read the Range '" + range + "'");
        }
        String[] ends = range.substring(6).split("-", -1);
        long first;
        long last;
        if (ends[0].isEmpty()) { // the last n bytes
            first = Math.max(0, size - Long.parseLong(ends[1]));
            last = size - 1;
        } else {
            first = Long.parseLong(ends[0]);
            last = ends[1].isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(ends[1]));
        }
        if (first >= size) {
            x.getResponseHeaders().set("Content-Range", "bytes */" + size);
            throw new Failure(416, "requestedRangeNotSatisfiable", "Request range not satisfiable");
        }
        x.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
        sendBytes(x, 206, o.bytes(), (int) first, (int) (last - first + 1));
    }

    private synchronized ObjectNode list(String bucket, Map<String, String> q) throws Failure {
        NavigableMap<String, Obj> all = objects(bucket);
        if (q.containsKey("delimiter") || "true".equals(q.get("versions"))) {
            throw new Failure(400, "invalid", "stand-in: delimiter and versions are not done here");
        }
        String prefix = q.getOrDefault("prefix", "");
        int max = Math.min(MAX_PAGE, Integer.parseInt(q.getOrDefault("maxResults", Integer.toString(MAX_PAGE))));
        NavigableMap<String, Obj> from = all;
        if (q.containsKey("startOffset")) from = from.tailMap(q.get("startOffset"), true);
        if (q.containsKey("pageToken")) {
            String after = new String(Base64.getUrlDecoder().decode(q.get("pageToken")), UTF_8);
            from = from.tailMap(after, false);
        }
        ObjectNode page = JSON.createObjectNode();
        page.put("kind", "storage#objects");
        ArrayNode items = JSON.createArrayNode();
        String last = null;
        boolean more = false;
        for (Obj o : from.values()) {
            if (q.containsKey("endOffset") && NAME_ORDER.compare(o.name(), q.get("endOffset")) >= 0) break;
            if (!o.name().startsWith(prefix)) {
                if (NAME_ORDER.compare(o.name(), prefix) > 0) break; // past every name with the prefix
                continue;
            }
            if (items.size() == max) {
                more = true;
                break;
            }
            items.add(resource(o));
            last = o.name();
        }
        if (!items.isEmpty()) page.set("items", items);
        if (more) page.put("nextPageToken", Base64.getUrlEncoder().encodeToString(last.getBytes(UTF_8)));
        return page;
    }

    private synchronized ObjectNode rewrite(
            String fromBucket, String fromName, String toBucket, String toName, Map<String, String> q) throws Failure {
        Map<String, String> source = new HashMap<>();
        if (q.containsKey("sourceGeneration")) source.put("generation", q.get("sourceGeneration"));
        Obj from = live(fromBucket, fromName, source);
        Map<String, String> sourceConditions = new HashMap<>();
        q.forEach((k, v) -> {
            if (k.startsWith("ifSource")) sourceConditions.put("if" + k.substring("ifSource".length()), v);
        });
        preconditions(sourceConditions, from, true);
        preconditions(q, objects(toBucket).get(toName), true);
        Obj to = store(toBucket, toName, from.bytes(), from.contentType());
        ObjectNode r = JSON.createObjectNode();
        r.put("kind", "storage#rewriteResponse");
        r.put("totalBytesRewritten", Integer.toString(to.bytes().length));
        r.put("objectSize", Integer.toString(to.bytes().length));
        r.put("done", true);
        r.set("resource", resource(to));
        return r;
    }

    // ---- uploads ------------------------------------------------------------------------------------------

    private void insert(HttpExchange x, String bucket, Map<String, String> q, byte[] body) throws Exception {
        String type = q.getOrDefault("uploadType", "");
        switch (type) {
            case "media" -> {
                String name = q.get("name");
                if (name == null) throw new Failure(400, "required", "Required parameter: name");
                String contentType = x.getRequestHeaders().getFirst("Content-Type");
                send(x, 200, resource(conditionalStore(bucket, name, JSON.createObjectNode(), q, body, contentType)));
            }
            case "multipart" -> {
                List<byte[][]> parts = multipart(x.getRequestHeaders().getFirst("Content-Type"), body);
                if (parts.size() != 2) throw new Failure(400, "invalid", "stand-in: a multipart upload has 2 parts");
                JsonNode metadata = JSON.readTree(parts.get(0)[1]);
                String name = q.getOrDefault("name", metadata.path("name").asText(null));
                if (name == null) throw new Failure(400, "required", "Required parameter: name");
                String contentType = header(parts.get(1)[0], "Content-Type");
                Obj o = conditionalStore(bucket, name, metadata, q, parts.get(1)[1], contentType);
                if (hasPrecondition(q) && lostInsertAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new Failure(503, "backendError", "stand-in: the answer to this insert was lost");
                }
                send(x, 200, resource(o));
            }
            case "resumable" -> {
                JsonNode metadata = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
                String name = q.getOrDefault("name", metadata.path("name").asText(null));
                if (name == null) throw new Failure(400, "required", "Required parameter: name");
                String id;
                synchronized (this) {
                    preconditions(q, objects(bucket).get(name), true);
                    id = "u" + sessionIds.incrementAndGet();
                    sessions.put(id, new Session(bucket, name, metadata, q, new ByteArrayOutputStream()));
                }
                x.getResponseHeaders()
                        .set(
                                "Location",
                                endpoint() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&upload_id="
                                        + id);
                x.sendResponseHeaders(200, -1);
            }
            default -> throw new Failure(400, "invalid", "stand-in: uploadType '" + type + "' is not done here");
        }
    }

    /** One PUT of a resumable session: {@code Content-Range: bytes a-b/size}, or {@code bytes *}{@code /size}. */
    private void resumableChunk(HttpExchange x, String id, byte[] body) throws Exception {
        String range = x.getRequestHeaders().getFirst("Content-Range");
        Obj done = null;
        long have;
        synchronized (this) {
            Session s = sessions.get(id);
            if (s == null) throw new Failure(404, "notFound", "stand-in: no upload session " + id);
            if (range == null || !range.startsWith("bytes ")) {
                throw new Failure(400, "invalid", "stand-in: a session PUT needs Content-Range, got " + range);
            }
            String[] r = range.substring(6).split("/", -1);
            if (!r[0].equals("*")) {
                long first = Long.parseLong(r[0].substring(0, r[0].indexOf('-')));
                long last = Long.parseLong(r[0].substring(r[0].indexOf('-') + 1));
                if (first > s.bytes().size() || last - first + 1 != body.length) {
                    throw new Failure(
                            400,
                            "invalid",
                            "stand-in: chunk " + range + " of " + body.length + " bytes after "
                                    + s.bytes().size());
                }
                // a chunk sent again overlaps what is held: keep what is new
                int skip = (int) (s.bytes().size() - first);
                s.bytes().write(body, skip, body.length - skip);
            }
            have = s.bytes().size();
            if (!r[1].equals("*")) {
                if (Long.parseLong(r[1]) != have) {
                    throw new Failure(400, "invalid", "stand-in: " + range + " but " + have + " bytes held");
                }
                done = conditionalStore(
                        s.bucket(), s.name(), s.metadata(), s.query(), s.bytes().toByteArray(), null);
                sessions.remove(id);
            }
        }
        if (done != null) {
            send(x, 200, resource(done));
            return;
        }
        if (have > 0) x.getResponseHeaders().set("Range", "bytes=0-" + (have - 1));
        x.sendResponseHeaders(308, -1);
    }

    /** Stores, after the preconditions and the checksums the metadata gives. */
    private synchronized Obj conditionalStore(
            String bucket, String name, JsonNode metadata, Map<String, String> q, byte[] bytes, String contentType)
            throws Failure {
        checksum(metadata.path("crc32c").asText(null), crc32c(bytes), "CRC32C");
        checksum(metadata.path("md5Hash").asText(null), md5(bytes), "MD5 hash");
        preconditions(q, objects(bucket).get(name), true);
        String type = metadata.path("contentType").asText(contentType);
        return store(bucket, name, bytes, type == null ? "application/octet-stream" : type);
    }

    /** A checksum the upload's metadata gave ({@code given}, or null: none) must be the stored bytes' one. */
    private static void checksum(String given, String calculated, String what) throws Failure {
        if (given != null && !given.equals(calculated)) {
            throw new Failure(
                    400,
                    "invalid",
                    "Provided " + what + " \"" + given + "\" doesn't match calculated " + what + " \"" + calculated
                            + "\".");
        }
    }

    private synchronized Obj store(String bucket, String name, byte[] bytes, String contentType) throws Failure {
        long generation = Math.max(lastGeneration + 1, Instant.now().toEpochMilli() * 1000);
        lastGeneration = generation;
        Instant now = Instant.ofEpochSecond(0, generation * 1000);
        Obj o = new Obj(bucket, name, bytes.clone(), generation, 1, contentType, now, now);
        objects(bucket).put(name, o);
        return o;
    }

    // ---- rules --------------------------------------------------------------------------------------------

    private NavigableMap<String, Obj> objects(String bucket) throws Failure {
        NavigableMap<String, Obj> objects = buckets.get(bucket);
        if (objects == null) throw new Failure(404, "notFound", "The specified bucket does not exist.");
        return objects;
    }

    /** The live object, or 404; with {@code generation}, only while that generation is the live one. */
    private Obj live(String bucket, String name, Map<String, String> q) throws Failure {
        Obj o = objects(bucket).get(name);
        if (o == null || (q.containsKey("generation") && Long.parseLong(q.get("generation")) != o.generation())) {
            throw new Failure(404, "notFound", "No such object: " + bucket + "/" + name);
        }
        return o;
    }

    private static boolean hasPrecondition(Map<String, String> q) {
        return q.keySet().stream().anyMatch(k -> k.startsWith("ifGeneration") || k.startsWith("ifMetageneration"));
    }

    /** GCS's preconditions on {@code now} (null: no live object): 412, or 304 for a read's "not match". */
    private static void preconditions(Map<String, String> q, Obj now, boolean write) throws Failure {
        Failure unmet =
                new Failure(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
        Failure notModified = new Failure(write ? 412 : 304, "notModified", "Not Modified");
        String g = q.get("ifGenerationMatch");
        if (g != null) {
            long want = Long.parseLong(g);
            if (want == 0 ? now != null : now == null || now.generation() != want) throw unmet;
        }
        String m = q.get("ifMetagenerationMatch");
        if (m != null && (now == null || now.metageneration() != Long.parseLong(m))) throw unmet;
        String gn = q.get("ifGenerationNotMatch");
        if (gn != null && now != null && now.generation() == Long.parseLong(gn)) throw notModified;
        String mn = q.get("ifMetagenerationNotMatch");
        if (mn != null && now != null && now.metageneration() == Long.parseLong(mn)) throw notModified;
    }

    // ---- wire ---------------------------------------------------------------------------------------------

    private ObjectNode resource(Obj o) {
        ObjectNode r = JSON.createObjectNode();
        r.put("kind", "storage#object");
        r.put("id", o.bucket() + "/" + o.name() + "/" + o.generation());
        r.put("selfLink", endpoint() + "/storage/v1/b/" + o.bucket() + "/o/" + o.name());
        r.put("name", o.name());
        r.put("bucket", o.bucket());
        r.put("generation", Long.toString(o.generation()));
        r.put("metageneration", Long.toString(o.metageneration()));
        r.put("contentType", o.contentType());
        r.put("storageClass", "STANDARD");
        r.put("size", Integer.toString(o.bytes().length));
        r.put("md5Hash", md5(o.bytes()));
        r.put("crc32c", crc32c(o.bytes()));
        r.put(
                "etag",
                Base64.getEncoder().encodeToString(Long.toString(o.generation()).getBytes(UTF_8)));
        r.put("timeCreated", o.created().toString());
        r.put("updated", o.updated().toString());
        return r;
    }

    static String md5(byte[] bytes) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return Base64.getEncoder()
                .encodeToString(
                        ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** The parts of a multipart/related body, each as {headers, content}. */
    private static List<byte[][]> multipart(String contentType, byte[] body) throws Failure {
        int b = contentType == null ? -1 : contentType.indexOf("boundary=");
        if (b < 0) throw new Failure(400, "invalid", "stand-in: no multipart boundary in " + contentType);
        String boundary = contentType.substring(b + 9).split(";")[0].trim().replace("\"", "");
        byte[] delimiter = ("--" + boundary).getBytes(UTF_8);
        List<Integer> at = new java.util.ArrayList<>();
        for (int i = indexOf(body, delimiter, 0); i >= 0; i = indexOf(body, delimiter, i + delimiter.length)) at.add(i);
        List<byte[][]> parts = new java.util.ArrayList<>();
        for (int k = 0; k + 1 < at.size(); k++) {
            int start = at.get(k) + delimiter.length + 2; // the CRLF after the delimiter
            int end = at.get(k + 1) - 2; // the CRLF before the next one
            byte[] part = Arrays.copyOfRange(body, start, end);
            int blank = indexOf(part, "\r\n\r\n".getBytes(UTF_8), 0);
            parts.add(new byte[][] {Arrays.copyOfRange(part, 0, blank), Arrays.copyOfRange(part, blank + 4, part.length)
            });
        }
        return parts;
    }

    private static String header(byte[] headers, String name) {
        for (String line : new String(headers, UTF_8).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int indexOf(byte[] in, byte[] what, int from) {
        outer:
        for (int i = from; i <= in.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private static void sendBytes(HttpExchange x, int code, byte[] bytes, int offset, int length) throws IOException {
        x.sendResponseHeaders(code, length == 0 ? -1 : length);
        if (length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes, offset, length);
            }
        }
    }

    /** GCS's error body, but none with a 304 (Not Modified). */
    private static void error(HttpExchange x, Failure f) throws IOException {
        if (f.code == 304) {
            x.sendResponseHeaders(304, -1);
        } else {
            GoogleJsonApi.error(x, f);
        }
    }
}
