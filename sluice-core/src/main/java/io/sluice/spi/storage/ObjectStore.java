package io.sluice.spi.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A flat namespace of immutable objects under one root: a local folder, or a bucket (and prefix) of S3, Google Cloud
 * Storage or Azure Blob. Keys are relative to the root and use {@code /}. What the files source and sink need from a
 * store, and nothing that only a local disk has: no rename, no lock, no partial overwrite. A store is used by many
 * threads at once and closed once.
 */
public interface ObjectStore extends AutoCloseable {

    /** The root as the user wrote it ({@code s3://bucket/prefix/}, a local folder), for messages. */
    String root();

    /**
     * The root with whatever else tells this store from another whose root reads the same, such as the endpoint of an
     * S3-compatible server (two servers may each have a bucket {@code b}). Two stores are one place when their places
     * are equal, and one lies inside the other when its place starts with the other's: what the files source compares
     * with its sink's folder and its {@code move_to}. Not for messages (use {@link #root()}).
     */
    default String place() {
        return root();
    }

    /** The URL of an object, as a user knows it: {@code s3://bucket/prefix/key}, or a local path. */
    String describe(String key);

    /**
     * Why an object's name (one segment of a key, a file's or a folder's) would be lost in this store, or empty when it
     * is not: a sink refuses such a name rather than commit what no listing shows.
     */
    default Optional<String> reservedName(String name) {
        return Optional.empty();
    }

    /**
     * The objects whose key starts with {@code prefix}, in key order, read page by page as the stream is consumed:
     * memory does not grow with the bucket. Only keys after {@code startAfter} when it is not null. Close the stream.
     * The first page is read before this returns, so a missing bucket or a refused access fails here (as a
     * {@link StoreRefusedException}, which a source's check turns into a mistake in the pipeline); a later page
     * that fails throws {@link java.io.UncheckedIOException} from the stream. Key order is that of the keys' UTF-8
     * bytes, as S3, GCS and Azure list them (the same as {@link String#compareTo} for keys without surrogate pairs).
     */
    Stream<StoredObject> list(String prefix, String startAfter) throws IOException;

    /**
     * {@link #list}, for a lister that knows which keys it takes ({@code listed}): a store with links (a local folder)
     * lists a file reached through a link to a place inside its root under the link's name only when {@code listed}
     * does not take the file's own key, under which it is listed anyway. Stores without links list as {@link #list}.
     */
    default Stream<StoredObject> list(String prefix, String startAfter, Predicate<String> listed) throws IOException {
        return list(prefix, startAfter);
    }

    /** The object's metadata, or empty when there is none at {@code key}. */
    Optional<StoredObject> stat(String key) throws IOException;

    /**
     * The object at {@code key} when it holds the bytes whose {@code algorithm} checksum (hex, as {@link
     * StoredObject#checksums} keys it) is {@code hex}. For a conditional write the store refused: an SDK sends a write
     * again when its answer was lost, and a first attempt that landed makes the retry fail its own condition; its own
     * bytes in place mean the write is done.
     */
    default Optional<StoredObject> holding(String key, String algorithm, String hex) throws IOException {
        return stat(key).filter(o -> hex.equals(o.checksums().get(algorithm)));
    }

    /**
     * Reads {@code length} bytes from {@code offset} ({@code length < 0}: to the end) of the object, in one request
     * (a ranged GET). With {@code version} not null, the read fails with {@link ObjectChangedException} when the object
     * is no longer that version, so that a split never mixes two versions of an input. From an offset at or past the
     * end the stream is empty (a tailed log with nothing new). Closing the stream early is cheap: it does not read on.
     *
     * @throws java.nio.file.NoSuchFileException when there is no object at {@code key}
     */
    InputStream read(String key, String version, long offset, long length) throws IOException;

    /**
     * Writes the file's bytes as the object at {@code key}, under {@code condition}; large files go up in parts
     * (multipart) and become visible all at once, or not at all: a failed or killed write leaves no object (what it
     * may leave is removed by {@link #abortIncompleteWrites}). A conditional write that finds exactly its own bytes
     * already in place may count as done: a request retried after its answer was lost fails its own condition.
     *
     * @return the object written, with its new version ({@code lastModified} may be this machine's clock where the
     *         store does not return its own without another request)
     * @throws ObjectChangedException when the condition does not hold (for {@code ifVersion}: also when there is no
     *                                object at {@code key} any more)
     */
    StoredObject write(String key, Path file, WriteCondition condition) throws IOException;

    /**
     * Writes the file as {@link #write(String, Path, WriteCondition)} does, for a caller done with it: a store on the
     * file's own disk renames it into place instead of copying it. The file may be gone afterwards, whether the write
     * succeeded or not: to try again, make it again.
     */
    default StoredObject writeMoving(String key, Path file, WriteCondition condition) throws IOException {
        return write(key, file, condition);
    }

    /** Writes small content (a manifest, a marker) in one request. */
    StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException;

    /** Copies an object inside this store (server-side where the store can). */
    StoredObject copy(String fromKey, String toKey) throws IOException;

    /**
     * Copies the object {@code fromKey} of the store {@code from} (another root of this store's kind, or any store) to
     * {@code toKey} here: server-side where the two are reachable by one service (S3 CopyObject, GCS rewrite, Azure
     * copy from URL, a local hard link), else downloaded into a temporary file and uploaded (the default).
     *
     * @param version the version to copy; null: whatever is there
     * @throws ObjectChangedException                  when the object is no longer {@code version}
     * @throws java.nio.file.NoSuchFileException when there is no object at {@code fromKey}
     */
    default StoredObject copyFrom(ObjectStore from, String fromKey, String version, String toKey) throws IOException {
        Path temp = java.nio.file.Files.createTempFile("sluice-copy-", ".tmp");
        try {
            try (InputStream in = from.read(fromKey, version, 0, -1)) {
                java.nio.file.Files.copy(in, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return write(toKey, temp, WriteCondition.none());
        } finally {
            java.nio.file.Files.deleteIfExists(temp);
        }
    }

    /** Removes the object; no error when there is none. */
    void delete(String key) throws IOException;

    /**
     * Removes the object only while it is {@code version}, so that one written over it since (new work) stays; no error
     * when there is none. This default checks, then removes: a write landing between the two is removed with it. A
     * store whose service can make the removal conditional (Azure's {@code If-Match}, GCS's {@code ifGenerationMatch})
     * does so in one request.
     *
     * @throws ObjectChangedException when the object is another version now; nothing is removed
     */
    default void delete(String key, String version) throws IOException {
        Optional<StoredObject> now = stat(key);
        if (now.isEmpty()) return;
        if (!now.get().version().equals(version)) {
            throw new ObjectChangedException(
                    key, describe(key) + " is no longer version " + version + ", so it was not removed");
        }
        delete(key);
    }

    /**
     * Removes what writes under {@code prefix} that started before {@code startedBefore} left unfinished (multipart
     * uploads, uncommitted blocks, temporary files of a killed process).
     *
     * @return how many it removed
     */
    int abortIncompleteWrites(String prefix, Instant startedBefore) throws IOException;

    /**
     * Removes what writes of these keys that started before {@code startedBefore} left unfinished: what a commit does
     * for the files of an output a killed commit left. This default asks once per key
     * ({@link #abortIncompleteWrites(String, Instant)}, whose prefix also takes longer keys); a store whose search is a
     * request per call (S3's ListMultipartUploads) overrides it to search once for them all, and removes only
     * these keys' writes.
     *
     * @return how many it removed
     */
    default int abortIncompleteWrites(Collection<String> keys, Instant startedBefore) throws IOException {
        int removed = 0;
        for (String key : keys) removed += abortIncompleteWrites(key, startedBefore);
        return removed;
    }

    /** What this store can promise, so that a sink knows what its commit rests on. */
    Capabilities capabilities();

    /**
     * Where the credentials come from (e.g. "environment variables AWS_ACCESS_KEY_ID", "profile default in
     * ~/.aws/credentials", "web identity token", "instance metadata", "none: local disk"), never the secret.
     */
    String credentialSource();

    @Override
    void close() throws IOException;

    /**
     * @param conditionalWrites {@link WriteCondition#ifAbsent()} and {@link WriteCondition#ifVersion} are atomic on
     *                          the store (S3 If-None-Match/If-Match, GCS generation match, Azure ETag conditions); false:
     *                          they are checked, but a race between two writers can slip through, and a caller must
     *                          hold a lock of its own (the ledger's)
     * @param local             the objects are files on this machine (a reader can open them in place)
     */
    record Capabilities(boolean conditionalWrites, boolean local) {}
}
