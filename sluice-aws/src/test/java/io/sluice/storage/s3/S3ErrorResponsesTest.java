package io.sluice.storage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers that S3Proxy never gives (a bucket in another region, throttling, a web page, a missing ETag or Size), from a
 * small HTTP server that speaks S3's formats (or, where that is the case, does not): the real SDK, its retries and its
 * parsing run against them.
 */
class S3ErrorResponsesTest {
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
        server = null;
    }

    @Test
    void aBucketInAnotherRegionSaysWhichOne() throws IOException {
        answer(
                301,
                Map.of("x-amz-bucket-region", "eu-west-1"),
                "PermanentRedirect",
                "The bucket you are attempting to access must be addressed using the specified endpoint.");
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.list("", null))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("bucket 'far-bucket' is in region eu-west-1, not us-east-1")
                    .hasMessageContaining("s3: { region: eu-west-1 }");
        }
    }

    @Test
    void throttlingIsRetriedWithBackoffThenFailsClearly() throws IOException {
        answer(503, Map.of(), "SlowDown", "Please reduce your request rate.");
        try (ObjectStore s = open(Map.of("max_attempts", 3))) {
            assertThatThrownBy(() -> s.stat("k"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "S3 kept failing while reading the metadata of s3://far-bucket/p/k after " + "3 attempts");
            assertThat(requests.get()).isEqualTo(3);
            requests.set(0);
            assertThatThrownBy(() -> s.read("k", null, 0, -1)).hasMessageContaining("503 SlowDown");
            assertThat(requests.get()).isEqualTo(3);
        }
    }

    @Test
    void anArchivedObjectSaysToRestoreItNotToFixPermissions() throws IOException {
        // S3's answer to a GET of an object in Glacier Flexible Retrieval or Deep Archive (a lifecycle rule moved it)
        answer(
                403,
                Map.of(),
                "InvalidObjectState",
                "The operation is not valid for the object's storage class",
                "<StorageClass>DEEP_ARCHIVE</StorageClass>");
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.read("2024/01/usage.csv.gz", null, 0, -1))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "s3://far-bucket/p/2024/01/usage.csv.gz is archived in storage class " + "DEEP_ARCHIVE")
                    .hasMessageContaining("restore-object --bucket far-bucket --key p/2024/01/usage.csv.gz")
                    .hasMessageContaining("exclude")
                    .hasMessageNotContaining("give that identity");
        }
    }

    @Test
    void anEndpointThatAnswersSomethingElseThanS3SaysWhatItAnsweredNotThatItCannotBeReached() throws IOException {
        // a web page (a proxy's login, a console URL as endpoint): the SDK read it as an empty listing, so a source
        // found no work and said nothing
        serve(exchange -> reply(
                exchange,
                200,
                "text/html",
                "<html><head><title>Sign in to the network</title></head><body>Welcome</body></html>"));
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.list("", null))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "the endpoint http://127.0.0.1:"
                                    + server.getAddress().getPort()
                                    + " answered listing s3://far-bucket/p/ with something that is not S3's XML (HTTP 200, "
                                    + "Content-Type text/html, starting: <html><head><title>Sign in to the network</title></head>")
                    .hasMessageContaining("check the endpoint (s3.endpoint");
        }
        stop();
        // a body the SDK cannot parse: was "cannot reach S3 ... Could not parse XML response."
        serve(exchange -> reply(exchange, 200, "text/plain", "Hello from another service " + "x".repeat(300)));
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.list("", null))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not S3's XML (HTTP 200, Content-Type text/plain, starting: Hello from "
                            + "another service xxx")
                    .hasMessageNotContaining("x".repeat(200))
                    .hasMessageNotContaining("cannot reach");
        }
        stop();
        // an error page in place of S3's error XML (a proxy's 502): was "S3 kept failing ... 502 null"
        serve(exchange -> reply(exchange, 502, "text/html", "<html><body>Bad Gateway</body></html>"));
        try (ObjectStore s = open(Map.of("max_attempts", 2))) {
            assertThatThrownBy(() -> s.write("k", new byte[1], WriteCondition.none()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("answered writing s3://far-bucket/p/k with something that is not S3's XML "
                            + "(HTTP 502, Content-Type text/html, starting: <html><body>Bad Gateway</body></html>)");
        }
    }

    @Test
    void aSuccessWithAnEmptyBodyIsNotRefusedForItsContentType() throws IOException {
        // OpenStack Swift's S3 layer (and Google Cloud Storage's XML API) label a write's or a delete's empty answer
        // text/html: nothing there can be read as a listing, so the answer is S3's, whatever its label
        serve(exchange -> {
            exchange.getRequestBody().readAllBytes(); // signed in chunks: not the content as written
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=UTF-8");
            exchange.getResponseHeaders().add("ETag", "\"" + md5("a\n1\n".getBytes(UTF_8)) + "\"");
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("DELETE") ? 204 : 200, -1);
            exchange.close();
        });
        try (ObjectStore s = open(Map.of())) {
            assertThat(s.write("out/k.csv", "a\n1\n".getBytes(UTF_8), WriteCondition.none())
                            .version())
                    .isEqualTo(md5("a\n1\n".getBytes(UTF_8)));
            s.delete("out/k.csv");
        }
    }

    @Test
    void aWriteOrACopyAnsweredWithoutAnETagFailsClearly() throws IOException {
        // S3 always sends an ETag; a server that does not gave a NullPointerException
        serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
                exchange.getResponseHeaders().add("Content-Length", "5");
                exchange.getResponseHeaders().add("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            } else if (exchange.getRequestHeaders().containsKey("x-amz-copy-source")) {
                reply(
                        exchange,
                        200,
                        "application/xml",
                        "<CopyObjectResult><LastModified>2026-12-05T10:00:00.000Z</LastModified></CopyObjectResult>");
            } else {
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            }
        });
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.write("out/k.csv", "a\n1\n".getBytes(UTF_8), WriteCondition.none()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("answered the write of s3://far-bucket/p/out/k.csv without an ETag")
                    .hasMessageContaining("check the endpoint");
            assertThatThrownBy(() -> s.copy("in/k.csv", "done/k.csv"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("answered the copy to s3://far-bucket/p/done/k.csv without an ETag");
        }
    }

    @Test
    void aHeadAnsweredWithoutASizeFailsNamingTheObjectAndTheEndpoint() throws IOException {
        // S3 always sends Content-Length on a HEAD; without it stat threw a NullPointerException
        serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
            if (!exchange.getRequestURI().getPath().endsWith("/undated.csv")) {
                exchange.getResponseHeaders().add("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT");
            } else {
                exchange.getResponseHeaders().add("Content-Length", "5");
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        try (ObjectStore s = open(Map.of())) {
            assertThatThrownBy(() -> s.stat("in/k.csv"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the endpoint " + endpoint + " answered the metadata request (HEAD) for "
                            + "s3://far-bucket/p/in/k.csv without a Content-Length")
                    .hasMessageContaining("check the endpoint (s3.endpoint)");
            assertThatThrownBy(() -> s.stat("undated.csv"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the endpoint " + endpoint + " answered the metadata request (HEAD) for "
                            + "s3://far-bucket/p/undated.csv without a Last-Modified");
        }
    }

    @Test
    void anUploadPartAnsweredWithoutAnETagFailsNamingThePartAndAbortsTheUpload() throws IOException {
        // S3 answers every UploadPart with the part's ETag, which CompleteMultipartUpload must name; a null one went
        // into it, and a server that took that completed an object that the store could not vouch for
        List<String> seen = new CopyOnWriteArrayList<>();
        serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            String query = String.valueOf(exchange.getRequestURI().getQuery());
            String method = exchange.getRequestMethod();
            seen.add(method + " " + query.replaceAll("uploadId=[^&]*", "uploadId"));
            if (method.equals("POST") && query.startsWith("uploads")) {
                reply(
                        exchange,
                        200,
                        "application/xml",
                        "<InitiateMultipartUploadResult><Bucket>far-bucket</Bucket><Key>p/big.bin</Key>"
                                + "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>");
            } else if (method.equals("PUT") && query.contains("partNumber=1")) {
                exchange.getResponseHeaders().add("ETag", "\"11111111111111111111111111111111\"");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            } else if (method.equals("POST")) { // CompleteMultipartUpload
                reply(
                        exchange,
                        200,
                        "application/xml",
                        "<CompleteMultipartUploadResult><Bucket>far-bucket</Bucket><Key>p/big.bin</Key>"
                                + "<ETag>\"22222222222222222222222222222222-2\"</ETag></CompleteMultipartUploadResult>");
            } else if (method.equals("DELETE")) {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            } else { // the second part: no ETag
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            }
        });
        java.nio.file.Path file = java.nio.file.Files.createTempFile("sluice-part-", ".bin");
        try (ObjectStore s = open(Map.of("part_size", "5MiB"))) {
            java.nio.file.Files.write(file, new byte[(5 << 20) + 1]);
            assertThatThrownBy(() -> s.write("big.bin", file, WriteCondition.none()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the endpoint http://127.0.0.1:"
                            + server.getAddress().getPort()
                            + " answered part 2 of the upload of s3://far-bucket/p/big.bin without an ETag")
                    .hasMessageContaining("check the endpoint (s3.endpoint)");
            assertThat(seen)
                    .as("never completed with a part it cannot name; aborted instead")
                    .noneMatch(r -> r.startsWith("POST uploadId"))
                    .contains("DELETE uploadId");
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void theUnfinishedUploadsOfManyFilesAreFoundByOneSearchNotOnePerFile() throws IOException {
        // what a commit does for the files of an output whose commit was killed: 20 partition files were one
        // ListMultipartUploads each; now one search under their common prefix (two pages here), and only their uploads
        List<String> uploads = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) uploads.add(String.format("p/out/date=2026-12-%02d/a.csv", i + 1));
        uploads.add("p/out/date=2026-12-01/a.csv.gz"); // another output's key, longer: its upload is not this one's
        uploads.sort(null);
        List<String> listed = new CopyOnWriteArrayList<>();
        List<String> aborted = new CopyOnWriteArrayList<>();
        serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            String query = String.valueOf(exchange.getRequestURI().getQuery());
            if (exchange.getRequestMethod().equals("DELETE")) {
                aborted.add(exchange.getRequestURI().getPath());
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            listed.add(query);
            boolean second = query.contains("key-marker=");
            List<String> page = second ? uploads.subList(12, uploads.size()) : uploads.subList(0, 12);
            StringBuilder xml = new StringBuilder("<ListMultipartUploadsResult><Bucket>far-bucket</Bucket>"
                    + "<IsTruncated>" + !second + "</IsTruncated>");
            if (!second) {
                xml.append("<NextKeyMarker>")
                        .append(page.get(page.size() - 1))
                        .append("</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker>");
            }
            for (String key : page) {
                xml.append("<Upload><Key>")
                        .append(key)
                        .append("</Key><UploadId>u</UploadId>")
                        .append("<Initiated>2026-01-05T10:00:00.000Z</Initiated></Upload>");
            }
            reply(
                    exchange,
                    200,
                    "application/xml",
                    xml.append("</ListMultipartUploadsResult>").toString());
        });
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 20; i >= 1; i--) keys.add(String.format("out/date=2026-12-%02d/a.csv", i));
        try (ObjectStore s = open(Map.of())) {
            assertThat(s.abortIncompleteWrites(keys, java.time.Instant.now())).isEqualTo(20);
        }
        assertThat(listed)
                .as("one search, page by page, under the files' common prefix")
                .hasSize(2);
        assertThat(listed).allMatch(q -> q.contains("prefix=p/out/date=2026-12-"));
        assertThat(aborted)
                .as("each file's upload, and no other")
                .hasSize(20)
                .doesNotContain("/far-bucket/p/out/date=2026-12-01/a.csv.gz")
                .contains("/far-bucket/p/out/date=2026-12-01/a.csv", "/far-bucket/p/out/date=2026-12-20/a.csv");
    }

    @Test
    void aListingEntryWithoutASizeIsReadAsDataNeverSkipped() throws IOException {
        // S3 always sends Size; without it the folder-object filter threw a NullPointerException. A HEAD tells
        serve(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
                exchange.getResponseHeaders().add("Content-Length", path.endsWith("/") ? "0" : "7");
                exchange.getResponseHeaders().add("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
                return;
            }
            reply(
                    exchange,
                    200,
                    "application/xml",
                    "<ListBucketResult><Name>far-bucket</Name><Prefix>p/</Prefix><KeyCount>3</KeyCount>"
                            + "<IsTruncated>false</IsTruncated>"
                            + "<Contents><Key>p/a.csv</Key><Size>5</Size><ETag>\"aa\"</ETag>"
                            + "<LastModified>2026-12-05T10:00:00.000Z</LastModified></Contents>"
                            + "<Contents><Key>p/b.csv</Key><ETag>\"bb\"</ETag>"
                            + "<LastModified>2026-12-05T10:00:00.000Z</LastModified></Contents>"
                            + "<Contents><Key>p/dir/</Key><ETag>\"cc\"</ETag>"
                            + "<LastModified>2026-12-05T10:00:00.000Z</LastModified></Contents>"
                            + "<Contents><Key>p/undated.csv</Key><Size>7</Size><ETag>\"dd\"</ETag></Contents>"
                            + "</ListBucketResult>");
        });
        try (ObjectStore s = open(Map.of());
                Stream<StoredObject> listed = s.list("", null)) {
            assertThat(listed.map(o -> o.key() + "=" + o.size() + "@" + o.lastModified()))
                    .as("the sizeless data object listed with the size its HEAD gives; the empty folder object not; "
                            + "one without LastModified (was a NullPointerException) with its HEAD's time")
                    .containsExactly(
                            "a.csv=5@2026-12-05T10:00:00Z",
                            "b.csv=7@2026-12-05T10:00:00Z",
                            "undated.csv=7@2026-12-05T10:00:00Z");
        }
    }

    @Test
    void deletingOneVersionIsOneDeleteWithIfMatchWhereTheServerHonoursIt() throws IOException {
        // a stand-in that applies If-Match on a DELETE as S3 does, and whose changed.csv is written over just before
        // the store's DELETE (S3Proxy honours If-Match too, but cannot be made to change an object then)
        Map<String, String> objects = new ConcurrentHashMap<>(
                Map.of("/far-bucket/p/a.csv", "v1", "/far-bucket/p/b.csv", "v2", "/far-bucket/p/changed.csv", "v3"));
        List<String> seen = new CopyOnWriteArrayList<>();
        serveObjects(objects, seen, (exchange, key, ifMatch) -> {
            if (key.endsWith("/changed.csv")) objects.put(key, "v4"); // written over since the HEAD
            if (ifMatch != null && !ifMatch.equals("\"" + objects.get(key) + "\"")) {
                reply(exchange, 412, "application/xml", "<Error><Code>PreconditionFailed</Code></Error>");
                return; // closing an exchange again does nothing
            }
            objects.remove(key);
            exchange.sendResponseHeaders(204, -1);
        });
        try (ObjectStore s = open(Map.of())) {
            s.delete("a.csv", "v1");
            s.delete("b.csv", "v2");
            assertThat(objects).containsOnlyKeys("/far-bucket/p/changed.csv");
            assertThat(seen)
                    .as("a HEAD, then a DELETE with an If-Match no object matches: its 412 proves that the server "
                            + "honours it, and from then on the conditional DELETE alone")
                    .containsExactly(
                            "HEAD /far-bucket/p/a.csv null",
                            "DELETE /far-bucket/p/a.csv \"" + S3ObjectStore.PROBE + "\"",
                            "DELETE /far-bucket/p/a.csv \"v1\"",
                            "DELETE /far-bucket/p/b.csv \"v2\"");
            assertThatThrownBy(() -> s.delete("changed.csv", "v3"))
                    .as("written over since it was read: the server's 412 keeps it, and a HEAD tells it from a removal")
                    .isInstanceOf(ObjectChangedException.class)
                    .hasMessageContaining("s3://far-bucket/p/changed.csv is no longer version v3");
            assertThat(objects).containsEntry("/far-bucket/p/changed.csv", "v4");
        }
    }

    @Test
    void deletingOneVersionWhereTheServerIgnoresIfMatchFallsBackToCheckThenDelete() throws IOException {
        // a server that answers 204 to a DELETE with If-Match and deletes nothing (S3Proxy 4.1.0 honours it, so it
        // cannot show this): trusting the answer left every read input in place
        Map<String, String> objects = new ConcurrentHashMap<>(
                Map.of("/far-bucket/p/a.csv", "v1", "/far-bucket/p/b.csv", "v2", "/far-bucket/p/c.csv", "v5"));
        List<String> seen = new CopyOnWriteArrayList<>();
        serveObjects(objects, seen, (exchange, key, ifMatch) -> {
            if (ifMatch == null) objects.remove(key);
            exchange.sendResponseHeaders(204, -1);
        });
        try (ObjectStore s = open(Map.of())) {
            s.delete("a.csv", "v1");
            assertThat(objects).as("the input is really deleted").doesNotContainKey("/far-bucket/p/a.csv");
            s.delete("b.csv", "v2");
            assertThat(objects).containsOnlyKeys("/far-bucket/p/c.csv");
            assertThatThrownBy(() -> s.delete("c.csv", "v4"))
                    .as("read as v4, written over since: the HEAD before the DELETE keeps it")
                    .isInstanceOf(ObjectChangedException.class);
            assertThat(objects).containsEntry("/far-bucket/p/c.csv", "v5");
            assertThat(seen)
                    .as("found out once; from then on a HEAD, then a DELETE")
                    .containsExactly(
                            "HEAD /far-bucket/p/a.csv null",
                            "DELETE /far-bucket/p/a.csv \"" + S3ObjectStore.PROBE + "\"",
                            "HEAD /far-bucket/p/a.csv null",
                            "DELETE /far-bucket/p/a.csv null",
                            "HEAD /far-bucket/p/b.csv null",
                            "DELETE /far-bucket/p/b.csv null",
                            "HEAD /far-bucket/p/c.csv null");
        }
    }

    @Test
    void deletingOneVersionWhereTheServerIgnoresIfMatchAndDeletesNeverTrustsItsDeletes() throws IOException {
        // a server without conditional deletes that ignores the header and deletes whatever is there: its first
        // DELETE removes the object, as one that honours If-Match does, so that removal proves nothing
        assertChecksThenDeletes(objects -> (exchange, key, ifMatch) -> {
            objects.remove(key);
            exchange.sendResponseHeaders(204, -1);
        });
    }

    @Test
    void deletingOneVersionWhereTheServerRefusesIfMatchOnADeleteFallsBackToCheckThenDelete() throws IOException {
        // a server that refuses the header on a DELETE (400 InvalidArgument; 501 NotImplemented alike) rather than
        // ignoring it: every after: delete failed at its probe
        assertChecksThenDeletes(objects -> (exchange, key, ifMatch) -> {
            if (ifMatch != null) {
                reply(exchange, 400, "application/xml", "<Error><Code>InvalidArgument</Code></Error>");
                return;
            }
            objects.remove(key);
            exchange.sendResponseHeaders(204, -1);
        });
    }

    /**
     * Against a server whose DELETEs answer so, deleting one version removes the versions read and keeps one written
     * over since it was read (the HEAD before the DELETE finds it).
     */
    private void assertChecksThenDeletes(java.util.function.Function<Map<String, String>, DeleteAnswer> delete)
            throws IOException {
        Map<String, String> objects = new ConcurrentHashMap<>(
                Map.of("/far-bucket/p/a.csv", "v1", "/far-bucket/p/b.csv", "v2", "/far-bucket/p/c.csv", "v5"));
        serveObjects(objects, new CopyOnWriteArrayList<>(), delete.apply(objects));
        try (ObjectStore s = open(Map.of())) {
            s.delete("a.csv", "v1");
            s.delete("b.csv", "v2");
            assertThat(objects).containsOnlyKeys("/far-bucket/p/c.csv");
            assertThatThrownBy(() -> s.delete("c.csv", "v4"))
                    .as("read as v4, written over since: the HEAD before the DELETE keeps it")
                    .isInstanceOf(ObjectChangedException.class);
            assertThat(objects).containsEntry("/far-bucket/p/c.csv", "v5");
        }
    }

    /** What a stand-in answers to a DELETE of {@code key} (its path) with this {@code If-Match} (null: none). */
    private interface DeleteAnswer {
        void answer(HttpExchange exchange, String key, String ifMatch) throws IOException;
    }

    /**
     * A stand-in holding {@code objects} (path to version): a HEAD answers from them, a DELETE as {@code delete} says;
     * each request is added to {@code seen} as its method, path and If-Match.
     */
    private void serveObjects(Map<String, String> objects, List<String> seen, DeleteAnswer delete) throws IOException {
        serve(exchange -> {
            String key = exchange.getRequestURI().getPath();
            String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
            seen.add(exchange.getRequestMethod() + " " + key + " " + ifMatch);
            if (exchange.getRequestMethod().equals("DELETE")) {
                delete.answer(exchange, key, ifMatch);
            } else {
                head(exchange, objects.get(key));
            }
            exchange.close();
        });
    }

    /** A HEAD of a 5-byte object in {@code version}, or 404 when {@code version} is null (no such object). */
    private static void head(HttpExchange exchange, String version) throws IOException {
        if (version == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        exchange.getResponseHeaders().add("ETag", "\"" + version + "\"");
        exchange.getResponseHeaders().add("Content-Length", "5");
        exchange.getResponseHeaders().add("Last-Modified", "Sat, 05 Dec 2026 10:00:00 GMT");
        exchange.sendResponseHeaders(200, -1);
    }

    private void serve(HttpHandler handler) throws IOException {
        TestProfiles.install(); // the requests are signed (never checked here), so the chain must find keys
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", handler);
        server.start();
    }

    /** The ETag S3 gives an object written in one request. */
    private static String md5(byte[] content) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("MD5").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void reply(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] body = text.getBytes(UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) exchange.getResponseBody().write(body);
        exchange.close();
    }

    private ObjectStore open(Map<String, Object> more) throws IOException {
        Map<String, Object> s3 = new java.util.HashMap<>(Map.of(
                "endpoint",
                "http://127.0.0.1:" + server.getAddress().getPort(),
                "region",
                "us-east-1",
                "path_style",
                true,
                "profile",
                "sluice-kit"));
        s3.putAll(more);
        return ObjectStores.open("s3://far-bucket/p/", Map.of("s3", s3));
    }

    private void answer(int status, Map<String, String> headers, String code, String message) throws IOException {
        answer(status, headers, code, message, "");
    }

    /** @param more further elements of the error, after its message */
    private void answer(int status, Map<String, String> headers, String code, String message, String more)
            throws IOException {
        TestProfiles.install(); // the requests are signed (never checked here), so the chain must find keys
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                            + message + "</Message>" + more + "<RequestId>test</RequestId></Error>")
                    .getBytes(UTF_8);
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }
}
