package io.sluice.sources.files;

import io.sluice.spi.Folders;
import io.sluice.spi.OutputKey;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoreRefusedException;
import io.sluice.spi.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The files source's access to its {@link ObjectStore}. Local files are read in place (DuckDB reading a local file is
 * the fast path); an object of a store, or its byte range, is downloaded into the split's scratch with one ranged GET
 * that names the planned version, so a split never reads another version than the one it was planned with.
 *
 * <p>A fingerprint is the size and the version: for local files the modification time in milliseconds (as ledgers
 * written before object stores hold them), for a store the object's version (ETag, generation).
 */
final class Storage implements AutoCloseable {
    private final ObjectStore store;
    /** The folder when the store is local disk; null for a store reached over the network. */
    private final Path local;
    /** The mistake at {@code source.files.path} a refused listing of the root is (a missing bucket, say). */
    private final Function<String, RuntimeException> refused;

    Storage(ObjectStore store, Path local) {
        this(store, local, null);
    }

    /** @param refused the problem at the source's {@code path} option; null: a refusal stays an {@link IOException} */
    Storage(ObjectStore store, Path local, Function<String, RuntimeException> refused) {
        this.store = store;
        this.local = local;
        this.refused = refused;
    }

    ObjectStore store() {
        return store;
    }

    /** The root as a user knows it: the folder, or the URL. */
    String root() {
        return local != null ? local.toString() : store.root();
    }

    /**
     * Where {@code folder} (a local path, or a store's {@link ObjectStore#place()}) lies in this store: {@code ""} when
     * it is the root itself, the key prefix ({@code out/}) when it is inside it, empty when it is elsewhere (another
     * folder, store, endpoint, bucket or prefix). Local paths are compared with their links resolved, so a link to the
     * folder is the folder.
     */
    Optional<String> prefixOf(String folder) {
        boolean url = io.sluice.spi.storage.ObjectStores.isUrl(folder);
        if (local != null) {
            if (url) return Optional.empty();
            Path root = real(local);
            Path other = real(Path.of(folder));
            if (!other.startsWith(root)) return Optional.empty();
            String rel = Folders.key(root, other);
            return Optional.of(rel.isEmpty() ? "" : rel + "/");
        }
        if (!url) return Optional.empty();
        // places, not roots: the same bucket and prefix on another endpoint is elsewhere
        String root = withSlash(store.place());
        String other = withSlash(folder);
        return other.startsWith(root) ? Optional.of(other.substring(root.length())) : Optional.empty();
    }

    private static String withSlash(String location) {
        return location.endsWith("/") ? location : location + "/";
    }

    /** The path with the links of its longest existing part resolved (the rest may not exist yet). */
    private static Path real(Path path) {
        Path p = path.toAbsolutePath().normalize();
        for (Path existing = p; existing != null; existing = existing.getParent()) {
            try {
                return existing.toRealPath().resolve(existing.relativize(p));
            } catch (IOException e) {
                // not there (yet): try its parent
            }
        }
        return p;
    }

    /** The object as a user knows it: its path, or its URL. */
    String describe(String key) {
        return store.describe(key);
    }

    /** Local disk: files can be opened in place, and grow (tail). */
    boolean local() {
        return local != null;
    }

    /** The local file of a key; null for a store reached over the network. */
    Path file(String key) {
        return local == null ? null : local.resolve(key);
    }

    /**
     * The objects under {@code prefix} in key order, after {@code startAfter} when given, page by page. Close the
     * stream. In a local folder, a file reached through a link to a place inside it is listed under the link's name
     * only when {@code listed} does not take the file's own key (then it is listed under that name anyway).
     */
    Stream<StoredObject> list(String prefix, String startAfter, Predicate<String> listed) throws IOException {
        return store.list(prefix, startAfter, listed);
    }

    /**
     * {@link #list} of the whole root, after {@code startAfter}: what the source plans, samples and checks from. A store
     * that refuses the root (its bucket does not exist, its credentials are refused) is a mistake in the pipeline,
     * found before anything is planned: a {@link io.sluice.config.ConfigException} at {@code path}; a store that does
     * not answer stays an {@link IOException} (an outage, or a pipeline validated offline).
     */
    Stream<StoredObject> listRoot(String startAfter, Predicate<String> listed) throws IOException {
        try {
            return list("", startAfter, listed);
        } catch (StoreRefusedException e) {
            if (refused == null) throw e;
            throw refused.apply("cannot list " + root() + ": " + e.getMessage());
        }
    }

    Optional<StoredObject> stat(String key) throws IOException {
        return store.stat(key);
    }

    String fingerprint(StoredObject o) {
        return o.size() + ":" + (local != null ? Long.toString(o.lastModified().toEpochMilli()) : o.version());
    }

    /** The size a fingerprint records (a carried one too: {@link OutputKey#carried}). */
    static long size(String fingerprint) {
        String version = OutputKey.fileVersion(fingerprint);
        return Long.parseLong(version.substring(0, version.indexOf(':')));
    }

    /**
     * Reads {@code length} bytes from {@code offset} ({@code length < 0}: to the end) of the object in the version the
     * fingerprint names (null: whatever version is there).
     *
     * @throws ObjectChangedException when the object is another version now
     * @throws NoSuchFileException    when it is gone
     */
    InputStream read(String key, String fingerprint, long offset, long length) throws IOException {
        if (local != null && fingerprint != null) checkLocal(key, fingerprint);
        return store.read(key, local == null && fingerprint != null ? version(fingerprint) : null, offset, length);
    }

    /** The version a store's fingerprint names, without the tag a pack planned again gives it. */
    private static String version(String fingerprint) {
        String v = OutputKey.fileVersion(fingerprint);
        return v.substring(v.indexOf(':') + 1);
    }

    private void checkLocal(String key, String fingerprint) throws IOException {
        Optional<StoredObject> now = store.stat(key);
        if (now.isEmpty()) throw new NoSuchFileException(local.resolve(key).toString());
        String current = fingerprint(now.get());
        if (!current.equals(OutputKey.fileVersion(fingerprint))) {
            throw new ObjectChangedException(
                    key,
                    key + " changed after it was planned (size:mtime " + OutputKey.fileVersion(fingerprint) + ", now "
                            + current + ")");
        }
    }

    /**
     * Copies {@code [start, end)} of the object ({@code end < 0}: to its end), after {@code header} when not null,
     * into {@code spool} (an empty file, or none yet): one ranged read of the planned version.
     */
    void spool(String key, String fingerprint, long start, long end, byte[] header, Path spool) throws IOException {
        if (local != null) {
            if (fingerprint != null) checkLocal(key, fingerprint);
            try (FileChannel in = FileChannel.open(local.resolve(key), StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(
                            spool,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING)) {
                if (header != null) out.write(java.nio.ByteBuffer.wrap(header));
                long to = end < 0 ? in.size() : end;
                long pos = start;
                while (pos < to) {
                    long n = in.transferTo(pos, to - pos, out);
                    // cut short since its version was checked (truncated, or written over in place): another
                    // version, not one to wait on (transferTo gives 0 at the end, for ever)
                    if (n <= 0) {
                        throw new ObjectChangedException(
                                key,
                                key + " is " + in.size() + " bytes now, too short for the range [" + start + ", " + to
                                        + ") planned in it: it changed while it was being read");
                    }
                    pos += n;
                }
            }
            return;
        }
        try (InputStream in = read(key, fingerprint, start, end < 0 ? -1 : end - start);
                OutputStream out = Files.newOutputStream(spool)) { // made by the caller, or new
            if (header != null) out.write(header);
            in.transferTo(out);
        }
    }

    /**
     * Copies the head of a csv or JSON lines object, in the planned version, into {@code head}'s file (an empty file,
     * or none yet): up to {@code records} records (after a csv file's first line) within its first {@code max} bytes;
     * one ranged read. False when no record end in those bytes can be trusted ({@link LineCutter.HeadSpool#write}):
     * nothing is copied.
     */
    boolean spoolHead(String key, String fingerprint, int max, int records, LineCutter.HeadSpool head)
            throws IOException {
        try (InputStream in = read(key, fingerprint, 0, max)) {
            return head.write(in.readNBytes(max), records);
        }
    }

    /** The first line of the object (the CSV header), in the planned version. */
    byte[] headerLine(String key, String fingerprint, boolean gz) throws IOException {
        try (InputStream in = read(key, fingerprint, 0, -1)) {
            return LineCutter.headerLine(in, gz);
        }
    }

    /** Where to cut a line-format object into ranges of about {@code target} bytes (read once, start to end). */
    List<Long> cuts(String key, String fingerprint, long size, long target, boolean quotes) throws IOException {
        if (local != null) return LineCutter.cuts(local.resolve(key), 0, size, target, quotes);
        if (size <= target) return List.of(0L, size);
        try (InputStream in = read(key, fingerprint, 0, size)) {
            return LineCutter.cuts(in, 0, size, target, quotes);
        }
    }

    /** The sha256 of the content: the store's own checksum when it keeps one, else read and hashed here. */
    String sha256(StoredObject o, String fingerprint) throws IOException {
        String kept = o.checksums().get("sha256");
        if (kept != null) return kept;
        try (InputStream in = read(o.key(), fingerprint, 0, -1)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The lines of the object (gzip: decompressed) before {@code startByte}, less one when the spool starts with the
     * header line copied from the top; read only when a dead letter needs it.
     */
    LocalFiles.LineShift shift(String key, String fingerprint, long startByte, boolean headerPrepended) {
        if (startByte == 0) return LocalFiles.LineShift.NONE;
        boolean remote = local == null;
        return new LocalFiles.LineShift() {
            @Override
            public long lines() throws IOException {
                return newlines(key, fingerprint, startByte) - (headerPrepended ? 1 : 0);
            }

            @Override
            public long startByte() {
                return startByte;
            }

            @Override
            public boolean remote() {
                return remote;
            }
        };
    }

    /** The line ends of the object (gzip: decompressed) before {@code startByte}. */
    private long newlines(String key, String fingerprint, long startByte) throws IOException {
        long newlines = 0;
        boolean gz = key.toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
        try (InputStream raw = read(key, fingerprint, 0, gz ? -1 : startByte);
                InputStream in = gz ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            long left = startByte;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) break;
                for (int i = 0; i < r; i++) if (buf[i] == '\n') newlines++;
                left -= r;
            }
        }
        return newlines;
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
