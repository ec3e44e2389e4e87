package io.sluice.kubernetes.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.TestCertificates;
import io.sluice.testkit.ledger.MutableClock;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file server on a real port, with real HTTP clients: what it serves, and everything it refuses. */
class FileServerTest {
    @TempDir
    Path dir;

    private Path root;
    private final SigningKey key = SigningKey.generate();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T12:00:00Z"));
    private FileServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Split s1 holds a.csv and sub/b.csv; split s2 holds c.csv. */
    private static final Map<String, Set<String>> SPLITS =
            Map.of("s1", Set.of("a.csv", "sub/b.csv"), "s2", Set.of("c.csv"));

    @BeforeEach
    void start() throws Exception {
        root = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(root.resolve("a.csv"), "id\n1\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/b.csv"), "id\n2\n");
        Files.writeString(root.resolve("c.csv"), "id\n3\n");
        Files.writeString(dir.resolve("secret.txt"), "not yours");
        server = FileServer.start(
                FileServer.Settings.of(root, key).withClock(clock), id -> SPLITS.getOrDefault(id, Set.of()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(URI url) throws Exception {
        return http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return get(URI.create(server.url() + pathAndQuery));
    }

    /** A URL the key signed for any grant, as a controller with a bug might: the server must still refuse the wrong ones. */
    private URI signed(String split, String path) {
        return new FileUrl(split, path, 5, 0, "00", clock.instant().plusSeconds(60)).toUri(server.url(), key);
    }

    private static String replaceParam(URI url, String name, String value) {
        return url.toString().replaceFirst("([?&]" + name + "=)[^&]*", "$1" + value);
    }

    @Test
    void servesASplitsOwnFilesAndThePodSideChecksThem() throws Exception {
        List<URI> urls = server.urlsFor("s1", List.of("a.csv", "sub/b.csv"), Duration.ofMinutes(5));
        assertThat(get(urls.getFirst()).body()).isEqualTo("id\n1\n");
        Path to = dir.resolve("pod");
        List<Path> got = new Fetcher(null).fetch(urls, to);
        assertThat(got).containsExactly(to.resolve("a.csv"), to.resolve("sub/b.csv"));
        assertThat(Files.readString(to.resolve("sub/b.csv"))).isEqualTo("id\n2\n");
        // the original's modification time: a files source reading the copy finds the fingerprint it planned with
        assertThat(Files.getLastModifiedTime(to.resolve("sub/b.csv")).toMillis())
                .isEqualTo(Files.getLastModifiedTime(root.resolve("sub/b.csv")).toMillis());
        try (var left = Files.walk(to)) {
            assertThat(left.filter(p -> p.toString().endsWith(".sluice-part"))).isEmpty();
        }
    }

    /**
     * A file whose name is near the 255 bytes a folder allows is fetched: the pod side's partial download, named after
     * the file, made a name too long for the folder, and the pod failed.
     */
    @Test
    void aFileWithANameNearTheLongestAFolderAllowsIsFetched() throws Exception {
        String name = "\u00e4".repeat(110) + "-" + "x".repeat(20) + ".csv"; // 245 bytes in UTF-8
        Files.writeString(root.resolve(name), "id\n9\n");
        FileServer named = FileServer.start(FileServer.Settings.of(root, key).withClock(clock), id -> Set.of(name));
        try {
            List<URI> urls = named.urlsFor("s9", List.of(name), Duration.ofMinutes(5));
            Path to = dir.resolve("pod-long");
            assertThat(new Fetcher(null).fetch(urls, to)).containsExactly(to.resolve(name));
            assertThat(Files.readString(to.resolve(name))).isEqualTo("id\n9\n");
        } finally {
            named.close();
        }
    }

    @Test
    void refusesAnotherSplitsFile() throws Exception {
        assertThatThrownBy(() -> server.urlsFor("s1", List.of("c.csv"), Duration.ofMinutes(5)))
                .hasMessageContaining("c.csv is not a file of split s1");
        URI own = server.urlsFor("s2", List.of("c.csv"), Duration.ofMinutes(5)).getFirst();
        // s2's URL presented as s1's, and s1 asking for c.csv with a signature of its own: neither is granted
        assertThat(get(URI.create(replaceParam(own, "split", "s1"))).statusCode())
                .isEqualTo(403);
        HttpResponse<String> notItsFile = get(signed("s1", "c.csv"));
        assertThat(notItsFile.statusCode()).isEqualTo(403);
        assertThat(notItsFile.body()).contains("not a file of split s1").doesNotContain("id");
        assertThat(get(signed("s9", "c.csv")).statusCode()).isEqualTo(403);
    }

    @Test
    void refusesAnExpiredUrl() throws Exception {
        URI url = server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5)).getFirst();
        clock.advance(Duration.ofMinutes(4));
        assertThat(get(url).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(2));
        HttpResponse<String> r = get(url);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("expired");
        assertThatThrownBy(() -> new Fetcher(null).fetch(List.of(url), dir.resolve("pod")))
                .hasMessageContaining("refused a.csv of split s1")
                .hasMessageContaining("403")
                .hasMessageNotContaining("sig=");
    }

    @Test
    void refusesATamperedUrl() throws Exception {
        URI url = server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5)).getFirst();
        String sig = url.getQuery().replaceFirst(".*sig=", "");
        String flipped = (sig.charAt(0) == 'a' ? "b" : "a") + sig.substring(1);
        long later = clock.instant().plus(Duration.ofDays(30)).getEpochSecond();
        for (String tampered : List.of(
                replaceParam(url, "sig", flipped),
                replaceParam(url, "sig", ""),
                replaceParam(url, "path", "sub%2Fb.csv"),
                replaceParam(url, "expires", Long.toString(later)),
                replaceParam(url, "size", "4"),
                replaceParam(url, "mtime", "1"),
                replaceParam(url, "sha256", "0".repeat(64)),
                url + "&split=s2",
                url.toString().replaceFirst("&sig=[^&]*", ""))) {
            HttpResponse<String> r = get(URI.create(tampered));
            assertThat(r.statusCode()).as(tampered).isIn(400, 403);
            assertThat(r.body()).as(tampered).doesNotContain("id\n1");
        }
        // the same URL signed by another key
        URI otherKey = new FileUrl("s1", "a.csv", 5, 0, "x", clock.instant().plusSeconds(60))
                .toUri(server.url(), SigningKey.generate());
        assertThat(get(otherKey).statusCode()).isEqualTo(403);
    }

    @Test
    void refusesTraversalListingsAndOtherPaths() throws Exception {
        Map<String, Set<String>> all = Map.of(
                "evil",
                Set.of(
                        "../secret.txt",
                        "/etc/passwd",
                        "sub/../../secret.txt",
                        "sub/../a.csv",
                        "./a.csv",
                        "sub//b.csv",
                        "link.txt"));
        Files.createSymbolicLink(root.resolve("link.txt"), dir.resolve("secret.txt"));
        try (FileServer evil = FileServer.start(
                FileServer.Settings.of(root, key).withClock(clock), id -> all.getOrDefault(id, Set.of()))) {
            for (String path : all.get("evil")) {
                URI url = new FileUrl("evil", path, 9, 0, "00", clock.instant().plusSeconds(60)).toUri(evil.url(), key);
                HttpResponse<String> r = get(url);
                assertThat(r.statusCode()).as(path).isIn(403, 404);
                assertThat(r.body()).as(path).doesNotContain("not yours").doesNotContain("id\n");
                assertThatThrownBy(() -> evil.urlsFor("evil", List.of(path), Duration.ofMinutes(1)))
                        .as(path)
                        .isInstanceOfAny(IllegalArgumentException.class, java.io.IOException.class);
            }
        }
        for (String other : List.of("/", "/v1/", "/v1/file/", "/v1/file/../../secret.txt", "/volume/a.csv", "/a.csv")) {
            HttpResponse<String> r = get(other);
            assertThat(r.statusCode()).as(other).isIn(400, 404);
            assertThat(r.body()).as(other).doesNotContain("a.csv").doesNotContain("not yours");
        }
        URI url = server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5)).getFirst();
        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(url)
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    /** The pod side never writes outside its folder, whatever path a URL names. */
    @Test
    void thePodSideWritesOnlyUnderItsFolder() {
        URI evil = new FileUrl(
                        "s1", "../escape.txt", 1, 0, "00", clock.instant().plusSeconds(60))
                .toUri(server.url(), key);
        assertThatThrownBy(() -> new Fetcher(null).fetch(List.of(evil), dir.resolve("pod")))
                .hasMessageContaining("refused to write ../escape.txt");
        assertThat(dir.resolve("escape.txt")).doesNotExist();
    }

    @Test
    void aFileChangedSinceSigningIsRefusedOrFailsItsChecksum() throws Exception {
        URI url = server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5)).getFirst();
        Path file = root.resolve("a.csv");
        var signedAt = Files.getLastModifiedTime(file);
        // same size, other bytes, and the time put back: only the pod's checksum can tell
        Files.writeString(file, "id\n9\n");
        Files.setLastModifiedTime(file, signedAt);
        Path to = dir.resolve("pod");
        // before the fix: downloaded whole three times, "after 3 attempts"
        assertThatThrownBy(() -> new Fetcher(null).fetch(List.of(url), to))
                .hasMessageContaining("checksum mismatch for a.csv of split s1")
                .hasMessageContaining("rewritten on the controller's volume since its URL was signed")
                .hasMessageNotContaining("attempts");
        assertThat(to.resolve("a.csv")).doesNotExist();
        // same size, another modification time: refused by the server before any byte is sent
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(signedAt.toMillis() + 1000));
        HttpResponse<String> touched = get(url);
        assertThat(touched.statusCode()).isEqualTo(409);
        assertThat(touched.body())
                .contains("a.csv changed since the URL was signed")
                .doesNotContain("id");
        assertThatThrownBy(() -> new Fetcher(null).fetch(List.of(url), to))
                .hasMessageContaining("(409)")
                .hasMessageNotContaining("attempts");
        Files.writeString(file, "id\n10\n");
        assertThat(get(url).statusCode()).isEqualTo(409);
    }

    /**
     * Signing a split's URLs again (its next Job after a failure) reads no file again whose size and modification time
     * are those it had: the controller signs in its one loop, and a large file's checksum took it a whole pass at
     * every retry. Shown by a rewrite that keeps both: the checksum signed is still the first one until the server is
     * told to forget it (as the controller is when a download failed); another time or size is read anew at once.
     */
    @Test
    void aFilesChecksumIsReadOncePerVersion() throws Exception {
        Path file = root.resolve("a.csv");
        String first = FileUrl.of(server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5))
                        .getFirst())
                .sha256();
        assertThat(first).isEqualTo(sha256("id\n1\n"));
        var signedAt = Files.getLastModifiedTime(file);
        Files.writeString(file, "id\n9\n");
        Files.setLastModifiedTime(file, signedAt);

        assertThat(FileUrl.of(server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5))
                                .getFirst())
                        .sha256())
                .isEqualTo(first); // before the fix: read again, a whole pass over the file at every signing

        server.forget(List.of("a.csv"));
        assertThat(FileUrl.of(server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5))
                                .getFirst())
                        .sha256())
                .isEqualTo(sha256("id\n9\n"));
        Files.writeString(file, "id\n7\n"); // a new time: another version
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(signedAt.toMillis() + 1000));
        assertThat(FileUrl.of(server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5))
                                .getFirst())
                        .sha256())
                .isEqualTo(sha256("id\n7\n"));
    }

    /**
     * A checksum read that was under way when the server was told to forget the file must not put what it read back in
     * the cache: it may have read the content forgotten (a rewrite that kept the size and time), and every later URL
     * would sign it. A named pipe holds the read open until the test lets it end, after the forget.
     */
    @Test
    void aReadUnderWayWhenTheFileIsForgottenDoesNotFillTheCache() throws Exception {
        Path pipe = root.resolve("p.csv");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor())
                .isZero();
        FileServer piped = FileServer.start(FileServer.Settings.of(root, key).withClock(clock), id -> Set.of("p.csv"));
        try {
            java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
            assertThat(piped.urlsWhenRead("s1", List.of("p.csv"), Duration.ofMinutes(5), read::countDown))
                    .as("read on the checksum threads, blocked on the pipe")
                    .isEmpty();
            piped.forget(List.of("p.csv"));
            Files.newOutputStream(pipe).close(); // no byte written: the pipe's time stays, the read ends
            assertThat(read.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            java.util.concurrent.CountDownLatch readAgain = new java.util.concurrent.CountDownLatch(1);
            assertThat(piped.urlsWhenRead("s1", List.of("p.csv"), Duration.ofMinutes(5), readAgain::countDown))
                    .as("not signed from the read that began before the forget: read again")
                    .isEmpty();
            Files.newOutputStream(pipe).close(); // the second read ends too: no checksum thread left blocked
            assertThat(readAgain.await(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            piped.close();
        }
    }

    /** A sparse file of {@code size} bytes (zeros, no disk), long enough to read that its checksum takes a while. */
    private Path sparse(String name, long size) throws Exception {
        Path big = root.resolve(name);
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size);
        }
        return big;
    }

    /**
     * The controller's way to sign: a file whose checksum is not known yet is read on the server's own threads, the
     * call answering at once with nothing and calling back when the read ended; asked again, it signs from the cache.
     */
    @Test
    void urlsWhenReadReadsUnknownChecksumsOffTheCallersThread() throws Exception {
        sparse("big.bin", 64L << 20);
        try (FileServer s = FileServer.start(
                FileServer.Settings.of(root, key).withClock(clock), id -> Set.of("a.csv", "big.bin"))) {
            var read = new java.util.concurrent.CountDownLatch(1);
            assertThat(s.urlsWhenRead("s", List.of("a.csv", "big.bin"), Duration.ofMinutes(5), read::countDown))
                    .isEmpty();
            assertThat(read.await(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
            long until = System.currentTimeMillis() + 60_000;
            java.util.Optional<List<URI>> urls;
            do urls = s.urlsWhenRead("s", List.of("a.csv", "big.bin"), Duration.ofMinutes(5), () -> {});
            while (urls.isEmpty() && System.currentTimeMillis() < until && sleep());
            String small = sha256("id\n1\n");
            String large = urlsOf(s, "big.bin"); // from the cache the read filled
            assertThat(urls)
                    .hasValueSatisfying(u -> assertThat(u)
                            .extracting(x -> FileUrl.of(x).sha256())
                            .containsExactly(small, large));
            assertThat(large)
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[64 << 20])));
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(20);
        return true;
    }

    /** The sha256 {@link FileServer#urlsFor} signs for one file, read in this thread. */
    private static String urlsOf(FileServer s, String file) throws Exception {
        return FileUrl.of(s.urlsFor("s", List.of(file), Duration.ofMinutes(5)).getFirst())
                .sha256();
    }

    /**
     * A file that changed while it was read off the caller's thread (still being written) is not cached with what was
     * read: the next call throws what {@link FileServer#urlsFor} would, so the split's attempt fails with it.
     */
    @Test
    void aFileChangedWhileReadOffTheCallersThreadIsToldToTheNextCall() throws Exception {
        Path big = sparse("big.bin", 64L << 20);
        try (FileServer s =
                FileServer.start(FileServer.Settings.of(root, key).withClock(clock), id -> Set.of("big.bin"))) {
            var read = new java.util.concurrent.CountDownLatch(1);
            assertThat(s.urlsWhenRead("s", List.of("big.bin"), Duration.ofMinutes(5), read::countDown))
                    .isEmpty();
            Files.setLastModifiedTime(
                    big, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertThat(read.await(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();

            assertThatThrownBy(() -> s.urlsWhenRead("s", List.of("big.bin"), Duration.ofMinutes(5), () -> {}))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("big.bin changed while its checksum was read");
            // told once: the next call reads the file as it is now
            assertThat(s.urlsWhenRead("s", List.of("big.bin"), Duration.ofMinutes(5), () -> {}))
                    .isEmpty();
        }
    }

    /** A HEAD says what a GET would send: its length, and no body. */
    @Test
    void aHeadRequestGivesTheFilesLength() throws Exception {
        URI url = server.urlsFor("s1", List.of("a.csv"), Duration.ofMinutes(5)).getFirst();
        HttpResponse<String> head = http.send(
                HttpRequest.newBuilder(url)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        // before the fix: no Content-Length
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(5);
        assertThat(head.body()).isEmpty();
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void servesOverTlsWithAPkcs12Keystore() throws Exception {
        TestCertificates.Pair pair = TestCertificates.localhost(dir, "changeit");
        Path keystore = pair.keystore();
        Path cert = pair.certificate();
        try (FileServer tls = FileServer.start(
                FileServer.Settings.of(root, key).withTls(new FileServer.Tls(keystore, "changeit")),
                id -> SPLITS.getOrDefault(id, Set.of()))) {
            assertThat(tls.url().getScheme()).isEqualTo("https");
            List<URI> urls = tls.urlsFor("s2", List.of("c.csv"), Duration.ofMinutes(1));
            Path to = dir.resolve("pod-tls");
            new Fetcher(Fetcher.trusting(cert)).fetch(urls, to);
            assertThat(Files.readString(to.resolve("c.csv"))).isEqualTo("id\n3\n");
            // a client that does not trust the certificate gets nothing
            assertThatThrownBy(() -> new Fetcher(null).fetch(urls, dir.resolve("untrusted")))
                    .hasMessageContaining("cannot download c.csv");
        }
    }

    /**
     * A file larger than the server's heap streams through: the server runs in a child JVM with -Xmx512m and serves a
     * 768 MB sparse file, which a full read into memory could not hold.
     */
    @Test
    void aLargeFileStreams() throws Exception {
        Path big = root.resolve("big.bin");
        long size = 768L << 20;
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size); // sparse: no disk used
            f.seek(size - 5);
            f.write("tail!".getBytes());
        }
        Path log = dir.resolve("server.log");
        Process child = ChildJvm.start(log, FileServerMain.class.getName(), root.toString(), "big.bin", key.base64());
        try {
            URI url = awaitUrl(log, child);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long read = 0;
            HttpResponse<InputStream> r =
                    http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            try (InputStream in = r.body()) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; read += n) sha.update(buf, 0, n);
            }
            assertThat(read).isEqualTo(size);
            assertThat(HexFormat.of().formatHex(sha.digest()))
                    .isEqualTo(FileUrl.of(url).sha256());
            assertThat(child.isAlive()).as(Files.readString(log)).isTrue();
        } finally {
            child.destroy();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static URI awaitUrl(Path log, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith("URL ")) return URI.create(line.substring(4));
                }
            }
            if (!child.isAlive()) throw new AssertionError("the server exited: " + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("the server gave no URL: " + Files.readString(log));
    }
}
