package io.sluice.kubernetes.files;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Serves each split's own input files to the pods of its Job, when the inputs are on a volume only the controller
 * mounts (a volume cannot be mounted across availability zones). Nothing else: one endpoint, no listing, and each
 * request must carry a URL signed for that split and that file ({@link FileUrl}), not expired, for a file the ledger
 * records as the split's ({@link SplitFiles}), still of the size and modification time it was signed with. Files are streamed, never read
 * whole into memory.
 *
 * <p>Use: {@code FileServer.start(settings, SplitFiles.of(ledger))} once in the controller; per split,
 * {@code urlsFor(split, files, ttl)} gives the URLs to put in its pod's arguments; the pod downloads them with
 * {@code sluice fetch URL... --to DIR} ({@link Fetcher}), which checks each file's size and sha256.
 */
public final class FileServer implements AutoCloseable {
    /**
     * How the server runs.
     *
     * @param root      the folder the split's files are under (the files source's {@code path})
     * @param bind      the address and port to listen on (port 0: any free one)
     * @param publicUrl how pods reach it (a Service's URL, {@code https://sluice-files.ns.svc:8443}); empty: the bound
     *                  address
     * @param tls       a PKCS12 keystore with the server's key and certificate; empty: plain HTTP
     */
    public record Settings(
            Path root,
            SigningKey key,
            InetSocketAddress bind,
            Optional<URI> publicUrl,
            Optional<Tls> tls,
            Clock clock) {
        public Settings {
            root = root.toAbsolutePath().normalize();
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(publicUrl, "publicUrl");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(clock, "clock");
        }

        /** Plain HTTP on a free port of the loopback address, the system clock. */
        public static Settings of(Path root, SigningKey key) {
            return new Settings(
                    root,
                    key,
                    new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                    Optional.empty(),
                    Optional.empty(),
                    Clock.systemUTC());
        }

        public Settings withBind(InetSocketAddress address) {
            return new Settings(root, key, address, publicUrl, tls, clock);
        }

        public Settings withPublicUrl(URI url) {
            return new Settings(root, key, bind, Optional.of(url), tls, clock);
        }

        public Settings withTls(Tls t) {
            return new Settings(root, key, bind, publicUrl, Optional.of(t), clock);
        }

        public Settings withClock(Clock c) {
            return new Settings(root, key, bind, publicUrl, tls, c);
        }
    }

    /** A PKCS12 keystore holding the server's private key and certificate chain. */
    public record Tls(Path keystore, String password) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Tls[" + keystore + ", password ****]";
        }
    }

    private final Settings settings;
    private final SplitFiles splits;
    private final HttpServer server;
    private final ExecutorService threads;
    private final URI url;

    private FileServer(Settings settings, SplitFiles splits, HttpServer server, ExecutorService threads) {
        this.settings = settings;
        this.splits = splits;
        this.server = server;
        this.threads = threads;
        InetSocketAddress at = server.getAddress();
        String host = at.getAddress().isAnyLocalAddress()
                ? java.net.InetAddress.getLoopbackAddress().getHostAddress()
                : at.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        this.url = settings.publicUrl()
                .orElse(URI.create(
                        (settings.tls().isPresent() ? "https" : "http") + "://" + host + ":" + at.getPort()));
    }

    /** Starts serving; {@link #close} stops. */
    public static FileServer start(Settings settings, SplitFiles splits) throws IOException {
        if (!Files.isDirectory(settings.root())) {
            throw new NoSuchFileException(settings.root().toString(), null, "the file server's root is not a folder");
        }
        HttpServer server;
        if (settings.tls().isPresent()) {
            HttpsServer https = HttpsServer.create(settings.bind(), 0);
            https.setHttpsConfigurator(
                    new HttpsConfigurator(sslContext(settings.tls().get())));
            server = https;
        } else {
            server = HttpServer.create(settings.bind(), 0);
        }
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(threads);
        FileServer files = new FileServer(settings, splits, server, threads);
        server.createContext("/", files::handle);
        server.start();
        return files;
    }

    /** Where pods reach the server (scheme, host, port). */
    public URI url() {
        return url;
    }

    /**
     * A signed URL per file of the split, valid for {@code ttl}; each carries the file's size and sha256 for the pod's
     * check. The sha256 is read once per version of a file (its path, size and modification time), not again at each
     * of the split's retries: the controller signs in its one loop, and a large file took it a whole pass each time.
     *
     * @param files paths under the root, as the ledger records the split's members
     * @throws IllegalArgumentException when a file is not one of the split's, or not under the root
     */
    public List<URI> urlsFor(String splitId, List<String> files, Duration ttl) throws IOException {
        var own = splits.files(splitId);
        java.time.Instant expires = settings.clock().instant().plus(ttl);
        List<URI> urls = new ArrayList<>();
        for (String file : files) {
            if (!own.contains(file)) {
                throw new IllegalArgumentException(file + " is not a file of split " + splitId + " in the ledger");
            }
            Path p = SafePaths.existingUnder(settings.root(), file);
            Version v = Version.of(p);
            FileUrl grant = new FileUrl(splitId, file, v.size(), v.mtime(), checksum(v, forgets()), expires);
            urls.add(grant.toUri(url, settings.key()));
        }
        return urls;
    }

    /**
     * {@link #urlsFor}, without reading a file in the caller's thread: the URLs when the checksum of every file's
     * current version is known; otherwise empty, while the unknown ones are read on the server's own checksum threads
     * ({@link #CHECKSUM_THREADS}), and {@code whenRead} runs once a read ends, so that the caller asks again. The
     * controller signs in its one loop: a large file read there held up every other Job's creation.
     *
     * @throws IOException a file gone or unreadable, or the failure of its read (it changed while it was read); the
     *     next call reads it again
     * @throws IllegalArgumentException when a file is not one of the split's, or not under the root
     */
    public Optional<List<URI>> urlsWhenRead(String splitId, List<String> files, Duration ttl, Runnable whenRead)
            throws IOException {
        var own = splits.files(splitId);
        List<Version> versions = new ArrayList<>();
        boolean unknown = false;
        for (String file : files) {
            if (!own.contains(file)) {
                throw new IllegalArgumentException(file + " is not a file of split " + splitId + " in the ledger");
            }
            Version v = Version.of(SafePaths.existingUnder(settings.root(), file));
            versions.add(v);
            if (known(v) == null) unknown |= !readAhead(v, whenRead);
        }
        if (unknown) return Optional.empty();
        java.time.Instant expires = settings.clock().instant().plus(ttl);
        List<URI> urls = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Version v = versions.get(i);
            String sha = known(v);
            if (sha == null) return Optional.empty(); // dropped from the cache meanwhile: read again
            urls.add(new FileUrl(splitId, files.get(i), v.size(), v.mtime(), sha, expires).toUri(url, settings.key()));
        }
        return Optional.of(urls);
    }

    private String known(Version v) {
        synchronized (checksums) {
            return checksums.get(v);
        }
    }

    /**
     * Starts reading the version's checksum on a checksum thread, unless a read of it is under way. True when a read
     * of it ended just now (its checksum is known now); a failed read is thrown, once.
     */
    private boolean readAhead(Version v, Runnable whenRead) throws IOException {
        java.util.concurrent.CompletableFuture<String> read;
        synchronized (reading) {
            read = reading.get(v);
            if (read == null) {
                // an older version's read that failed (the file changed while it was read): told once, as urlsFor
                // throws it, so that the split's attempt fails with it rather than waiting while the file changes
                var older = reading.entrySet().stream()
                        .filter(e -> e.getKey().path().equals(v.path()))
                        .map(java.util.Map.Entry::getValue)
                        .filter(java.util.concurrent.CompletableFuture::isCompletedExceptionally)
                        .findFirst();
                reading.keySet().removeIf(old -> old.path().equals(v.path()));
                if (older.isPresent()) return endedWell(older.get(), v);
                long forgetsBefore = forgets();
                read = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return checksum(v, forgetsBefore);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        },
                        checksumThreads);
                reading.put(v, read);
                read.whenComplete((sha, failure) -> {
                    if (failure == null) {
                        synchronized (reading) {
                            reading.remove(v); // in the cache now
                        }
                    }
                    whenRead.run();
                });
                return false;
            }
            if (!read.isDone()) return false;
            reading.remove(v);
        }
        return endedWell(read, v);
    }

    /** True for a read that ended well; the failure of one that did not, thrown. */
    private static boolean endedWell(java.util.concurrent.CompletableFuture<String> read, Version v)
            throws IOException {
        try {
            read.join();
            return true;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            if (e.getCause() instanceof java.io.UncheckedIOException u) throw u.getCause();
            throw new IOException("reading the checksum of " + v.path().getFileName() + " failed: " + e, e);
        }
    }

    /** Reads of checksums under way, or failed and not yet told, by version. */
    private final java.util.Map<Version, java.util.concurrent.CompletableFuture<String>> reading =
            new java.util.HashMap<>();

    /** Files read at once for their checksums, beside the controller's loop, which keeps its own thread. */
    static final int CHECKSUM_THREADS = 2;

    private final ExecutorService checksumThreads = Executors.newFixedThreadPool(CHECKSUM_THREADS, r -> {
        Thread t = new Thread(r, "sluice-file-checksums");
        t.setDaemon(true);
        return t;
    });

    /** One version of a file, as the server tells versions apart: what a URL signs besides its checksum. */
    private record Version(Path path, long size, long mtime) {
        static Version of(Path p) throws IOException {
            return new Version(p, Files.size(p), Files.getLastModifiedTime(p).toMillis());
        }
    }

    /** Checksums of the versions signed lately, the least recently used dropped past {@link #CHECKSUMS_KEPT}. */
    private final java.util.Map<Version, String> checksums = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Version, String> eldest) {
            return size() > CHECKSUMS_KEPT;
        }
    };

    private static final int CHECKSUMS_KEPT = 10_000;

    /**
     * How many times {@link #forget} ran: a read that began before one may have read the content forgotten (same size
     * and time), so it must not put its checksum back in the cache. Guarded by {@link #checksums}.
     */
    private long forgets;

    private long forgets() {
        synchronized (checksums) {
            return forgets;
        }
    }

    /**
     * The version's sha256, from the cache or read now; kept only when the file did not change while it was read, and
     * no {@link #forget} ran since {@code forgetsBefore} was taken (when the read was asked for).
     */
    private String checksum(Version v, long forgetsBefore) throws IOException {
        synchronized (checksums) {
            String known = checksums.get(v);
            if (known != null) return known;
        }
        String sha = sha256(v.path());
        if (!Version.of(v.path()).equals(v)) {
            throw new IOException(v.path().getFileName() + " changed while its checksum was read (it was " + v.size()
                    + " bytes, modified at " + v.mtime() + " ms): is it still being written?");
        }
        synchronized (checksums) {
            if (forgets == forgetsBefore) checksums.put(v, sha);
        }
        return sha;
    }

    /**
     * Forgets the checksums of these files of the split, so that their next URLs read them again: a pod found one
     * whose content no longer matched its URL though its size and modification time did (rewritten, its time put
     * back).
     */
    public void forget(List<String> files) {
        java.util.Set<Path> paths = new java.util.HashSet<>();
        for (String f : files) {
            try {
                paths.add(SafePaths.existingUnder(settings.root(), f)); // the real path, as signing keys them
            } catch (IOException | IllegalArgumentException e) {
                // gone or not under the root: its next signing fails anyway, and no checksum of it helps
            }
        }
        synchronized (checksums) {
            checksums.keySet().removeIf(v -> paths.contains(v.path()));
            forgets++; // reads under way keep their checksum out of the cache: see checksum()
        }
        synchronized (reading) {
            reading.keySet().removeIf(v -> paths.contains(v.path()));
        }
    }

    /** The one endpoint: checks the grant before touching the disk, then streams the file. */
    private void handle(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestURI().getRawPath().equals(FileUrl.ENDPOINT)) {
                refuse(x, 404, "not found");
                return;
            }
            boolean head = x.getRequestMethod().equals("HEAD");
            if (!head && !x.getRequestMethod().equals("GET")) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                refuse(x, 405, "only GET");
                return;
            }
            FileUrl.Signed signed;
            try {
                signed = FileUrl.parse(x.getRequestURI().getRawQuery());
            } catch (IllegalArgumentException e) {
                refuse(x, 400, "not a file URL: " + e.getMessage());
                return;
            }
            if (!signed.valid(settings.key())) {
                refuse(x, 403, "bad signature");
                return;
            }
            FileUrl grant = signed.url();
            if (settings.clock().instant().isAfter(grant.expires())) {
                refuse(x, 403, "expired at " + grant.expires() + "; ask the controller for a new URL");
                return;
            }
            if (!splits.files(grant.split()).contains(grant.path())) {
                refuse(x, 403, "not a file of split " + grant.split());
                return;
            }
            Path file;
            try {
                file = SafePaths.existingUnder(settings.root(), grant.path());
            } catch (NoSuchFileException e) {
                refuse(x, 404, "no such file: " + grant.path());
                return;
            } catch (IllegalArgumentException e) {
                refuse(x, 403, "not a file under the root");
                return;
            }
            if (!Files.isRegularFile(file)) {
                refuse(x, 404, "no such file: " + grant.path());
                return;
            }
            long size = Files.size(file);
            long mtime = Files.getLastModifiedTime(file).toMillis();
            if (size != grant.size() || mtime != grant.mtime()) {
                // the pod would give the copy the signed time: a file of the same size rewritten since is refused
                // here, at once, rather than sent whole and caught by the pod's checksum after every retry
                refuse(
                        x,
                        409,
                        grant.path() + " changed since the URL was signed (" + size + " bytes, modified at " + mtime
                                + " ms; signed at " + grant.size() + " bytes, " + grant.mtime()
                                + " ms); ask the controller for a new URL");
                return;
            }
            x.getResponseHeaders().set("Content-Type", "application/octet-stream");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            if (head) {
                // the JDK's server sends no length for a HEAD by itself: set here, it says what a GET would send
                x.getResponseHeaders().set("Content-Length", Long.toString(size));
                x.sendResponseHeaders(200, -1);
                return;
            }
            x.sendResponseHeaders(200, size == 0 ? -1 : size);
            try (InputStream in = Files.newInputStream(file);
                    OutputStream out = x.getResponseBody()) {
                in.transferTo(out); // streamed: a buffer at a time, whatever the size
            }
        }
    }

    private static void refuse(HttpExchange x, int status, String why) throws IOException {
        byte[] body = (why + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static SSLContext sslContext(Tls tls) throws IOException {
        try (InputStream in = Files.newInputStream(tls.keystore())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, tls.password().toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, tls.password().toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    "cannot use the keystore " + tls.keystore() + " (PKCS12, with the server's key and "
                            + "certificate): " + e.getMessage(),
                    e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        checksumThreads.shutdownNow();
    }
}
