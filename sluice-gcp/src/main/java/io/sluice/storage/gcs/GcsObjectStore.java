package io.sluice.storage.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobGetOption;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobSourceOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import io.sluice.spi.Utf8;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoreRefusedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.CRC32C;

/**
 * A bucket (and prefix) of Google Cloud Storage, through the {@link Storage} client (JSON API). Versions are
 * generations; conditional writes are {@code ifGenerationMatch=0} and {@code ifGenerationMatch=<generation>}; a large
 * file goes up as one resumable upload, which makes no object until it is finalized, so a write that dies leaves
 * nothing visible (its session expires after a week and is never listed). Listings give the {@code crc32c} and, except
 * for composite objects, {@code md5} checksums GCS keeps.
 */
public final class GcsObjectStore implements ObjectStore {
    /** Files up to this size go up in one request; larger ones as a resumable upload. */
    static final long DEFAULT_SINGLE_REQUEST_LIMIT = 8L * 1024 * 1024;

    /** The chunk size given to the client for a resumable upload (it streams a file in one PUT whatever it is). */
    static final int RESUMABLE_CHUNK = 16 * 1024 * 1024;

    private static final long PAGE_SIZE = 1000;
    private static final BlobField[] FIELDS = {
        BlobField.NAME, BlobField.SIZE, BlobField.UPDATED, BlobField.GENERATION, BlobField.MD5HASH, BlobField.CRC32C
    };

    private final GcsLocation location;
    private final StorageOptions options;
    private final String credentialSource;
    private final long singleRequestLimit;
    private Storage storage;

    GcsObjectStore(GcsLocation location, StorageOptions options, String credentialSource, long singleRequestLimit) {
        this.location = location;
        this.options = options;
        this.credentialSource = credentialSource;
        this.singleRequestLimit = singleRequestLimit;
    }

    /**
     * Opens the store at {@code root} with the {@code gcs:} settings ({@code project}, {@code endpoint}); credentials
     * are the application default credentials. Does not reach the network: the client is made on first use.
     */
    public static GcsObjectStore open(URI root, Map<String, Object> settings, Map<String, String> env) {
        GcsLocation location = GcsLocation.parse(root, settings);
        StorageOptions.Builder builder = StorageOptions.newBuilder();
        location.project().ifPresent(builder::setProjectId);
        location.endpoint().ifPresent(builder::setHost);
        if (location.emulator()) {
            builder.setCredentials(NoCredentials.getInstance());
        }
        return new GcsObjectStore(
                location, builder.build(), credentialSource(location, env), DEFAULT_SINGLE_REQUEST_LIMIT);
    }

    /** Where the application default credentials will come from, in the order the library looks. */
    static String credentialSource(GcsLocation location, Map<String, String> env) {
        if (location.emulator()) {
            return "none: " + location.endpoint().orElseThrow() + " is plain http (an emulator)";
        }
        String adc = "application default credentials: ";
        String file = env.get("GOOGLE_APPLICATION_CREDENTIALS");
        if (file != null && !file.isBlank()) {
            return adc + "the file in GOOGLE_APPLICATION_CREDENTIALS (" + file + ")";
        }
        Path gcloud = env.containsKey("CLOUDSDK_CONFIG")
                ? Path.of(env.get("CLOUDSDK_CONFIG"))
                : Path.of(System.getProperty("user.home"), ".config", "gcloud");
        Path wellKnown = gcloud.resolve("application_default_credentials.json");
        if (Files.isRegularFile(wellKnown)) {
            return adc + "gcloud's file " + wellKnown + " (gcloud auth application-default login)";
        }
        return adc + "the metadata server (the service account of the VM, Cloud Run service, or GKE workload "
                + "identity)";
    }

    @Override
    public String root() {
        return location.root();
    }

    /**
     * The endpoint the client talks to (storage.googleapis.com unless {@code gcs.endpoint} says otherwise), then the
     * root: the same bucket name on an emulator or another endpoint is another place.
     */
    @Override
    public String place() {
        String host = options.getHost();
        return (host.endsWith("/") ? host.substring(0, host.length() - 1) : host) + " " + root();
    }

    @Override
    public String describe(String key) {
        return location.describe(key);
    }

    @Override
    public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
        List<BlobListOption> options = new ArrayList<>(List.of(
                BlobListOption.prefix(location.objectName(prefix)),
                BlobListOption.pageSize(PAGE_SIZE),
                BlobListOption.fields(FIELDS)));
        if (startAfter != null) {
            options.add(BlobListOption.startOffset(location.objectName(startAfter))); // inclusive
        }
        Page<Blob> first;
        try {
            first = storage().list(location.bucket(), options.toArray(BlobListOption[]::new));
        } catch (StorageException e) {
            throw failure("list", prefix, e);
        }
        Iterator<Blob> blobs = first.iterateAll().iterator();
        Iterator<Blob> translated = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return blobs.hasNext();
                } catch (StorageException e) {
                    throw new UncheckedIOException(failure("list", prefix, e));
                }
            }

            @Override
            public Blob next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return blobs.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(translated, Spliterator.ORDERED), false)
                // "folders" made in the console are empty objects named like "a/b/": no files. An object so named
                // that holds bytes is data, listed (as on S3)
                .filter(b -> !(b.getName().endsWith("/") && (b.getSize() == null || b.getSize() == 0)))
                .map(b -> {
                    try {
                        return stored(b.getName().substring(location.prefix().length()), b);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .filter(o -> startAfter == null || Utf8.compare(o.key(), startAfter) > 0); // GCS's order, not String's
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        try {
            Blob blob = storage().get(id(key), BlobGetOption.fields(FIELDS));
            return blob == null ? Optional.empty() : Optional.of(stored(key, blob));
        } catch (StorageException e) {
            throw failure("read the metadata of", key, e);
        }
    }

    @Override
    public InputStream read(String key, String version, long offset, long length) throws IOException {
        BlobSourceOption[] pinned = version == null
                ? new BlobSourceOption[0]
                : new BlobSourceOption[] {BlobSourceOption.generationMatch(generation(key, version))};
        try {
            if (length == 0) {
                if (storage()
                                .get(
                                        id(key),
                                        version == null
                                                ? new BlobGetOption[0]
                                                : new BlobGetOption[] {
                                                    BlobGetOption.generationMatch(generation(key, version))
                                                })
                        == null) {
                    throw new NoSuchFileException(describe(key), null, "no such object");
                }
                return InputStream.nullInputStream();
            }
            ReadChannel channel = storage().reader(id(key), pinned);
            channel.seek(offset);
            if (length > 0) {
                channel.limit(offset + length);
            }
            // one ranged GET, streamed; its first bytes are read now so that a missing or changed object fails here
            ByteBuffer first = ByteBuffer.allocate(64 * 1024);
            int n = readChannel(channel, first, key);
            first.flip();
            return new ChannelStream(channel, n < 0 ? ByteBuffer.allocate(0) : first, key);
        } catch (StorageException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
        long size = Files.size(file);
        if (size <= singleRequestLimit) {
            return write(key, Files.readAllBytes(file), condition);
        }
        // the crc32c GCS must find once the upload is finalized; a mismatch fails the upload
        BlobInfo info = BlobInfo.newBuilder(id(key)).setCrc32c(crc32c(file)).build();
        List<BlobWriteOption> options = new ArrayList<>(List.of(BlobWriteOption.crc32cMatch()));
        switch (condition) {
            case WriteCondition.None none -> {}
            case WriteCondition.IfAbsent absent -> options.add(BlobWriteOption.doesNotExist());
            case WriteCondition.IfVersion v ->
                options.add(BlobWriteOption.generationMatch(generation(key, v.version())));
        }
        try {
            Blob blob = storage().createFrom(info, file, RESUMABLE_CHUNK, options.toArray(BlobWriteOption[]::new));
            return stored(key, blob);
        } catch (StorageException e) {
            throw writeFailure(key, condition, e);
        }
    }

    @Override
    public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
        // the client sends the content's crc32c with it, and GCS checks it
        BlobTargetOption[] options = switch (condition) {
            case WriteCondition.None none -> new BlobTargetOption[0];
            case WriteCondition.IfAbsent absent -> new BlobTargetOption[] {BlobTargetOption.doesNotExist()};
            case WriteCondition.IfVersion v ->
                new BlobTargetOption[] {BlobTargetOption.generationMatch(generation(key, v.version()))};
        };
        try {
            return stored(key, storage().create(BlobInfo.newBuilder(id(key)).build(), content, options));
        } catch (StorageException e) {
            IOException failure = writeFailure(key, condition, e);
            if (failure instanceof ObjectChangedException) {
                // The client sends a request with a generation condition again when its answer was lost (a timeout, a
                // reset connection: GCS's retry strategy calls it conditionally idempotent), and a first attempt that
                // landed makes the retry fail its own condition (412). Exactly these bytes in place (the MD5 GCS keeps
                // of every object but composite ones) mean the write is done (holding).
                Optional<StoredObject> now = holding(key, "md5", HexFormat.of().formatHex(md5(content)));
                if (now.isPresent()) return now.get();
            }
            throw failure;
        }
    }

    private static byte[] md5(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("MD5").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    @Override
    public StoredObject copy(String fromKey, String toKey) throws IOException {
        return copyFrom(this, fromKey, null, toKey);
    }

    /**
     * A rewrite, server-side, from a store reached with the same options (host, project, credentials), of exactly the
     * generation asked for; from any other store, downloaded and uploaded.
     */
    @Override
    public StoredObject copyFrom(ObjectStore source, String fromKey, String version, String toKey) throws IOException {
        if (!(source instanceof GcsObjectStore from) || !from.options.equals(options)) {
            return ObjectStore.super.copyFrom(source, fromKey, version, toKey);
        }
        BlobId id = from.id(fromKey);
        if (version != null) {
            id = BlobId.of(id.getBucket(), id.getName(), from.generation(fromKey, version));
        }
        try {
            Blob copy = storage().copy(Storage.CopyRequest.of(id, id(toKey))).getResult();
            return stored(toKey, copy);
        } catch (StorageException e) {
            if (e.getCode() == 404 && version != null && from.stat(fromKey).isPresent()) {
                throw new ObjectChangedException(
                        fromKey, from.describe(fromKey) + " is no longer generation " + version);
            }
            if (e.getCode() == 404) {
                throw new NoSuchFileException(from.describe(fromKey), null, "no object to copy to " + describe(toKey));
            }
            throw failure("copy " + from.describe(fromKey) + " to", toKey, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            storage().delete(id(key));
        } catch (StorageException e) {
            throw failure("delete", key, e);
        }
    }

    /** One delete with {@code ifGenerationMatch}: GCS removes the object only while it is that generation. */
    @Override
    public void delete(String key, String version) throws IOException {
        try {
            // false, no error, when there is no object; 412 (another generation) is ObjectChangedException
            storage().delete(id(key), BlobSourceOption.generationMatch(generation(key, version)));
        } catch (StorageException e) {
            throw failure("delete", key, e);
        }
    }

    /**
     * Nothing to remove: an unfinished resumable upload is no object, cannot be listed, costs nothing, and expires
     * after a week.
     */
    @Override
    public int abortIncompleteWrites(String prefix, Instant startedBefore) {
        return 0;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, false);
    }

    @Override
    public String credentialSource() {
        return credentialSource;
    }

    @Override
    public synchronized void close() throws IOException {
        if (storage != null) {
            try {
                storage.close();
            } catch (Exception e) {
                throw new IOException("could not close the GCS client of " + root() + ": " + e, e);
            }
        }
    }

    /** Made on first use: finding the application default credentials may ask the metadata server. */
    private synchronized Storage storage() {
        if (storage == null) {
            storage = options.getService();
        }
        return storage;
    }

    private BlobId id(String key) {
        return BlobId.of(location.bucket(), location.objectName(key));
    }

    private StoredObject stored(String key, Blob blob) throws IOException {
        if (blob.getGeneration() == null) {
            throw new IOException("GCS gave no generation for " + describe(key) + ": is " + options.getHost()
                    + " a GCS-compatible server?");
        }
        Map<String, String> checksums = new HashMap<>();
        if (blob.getMd5() != null) {
            checksums.put("md5", HexFormat.of().formatHex(Base64.getDecoder().decode(blob.getMd5())));
        }
        if (blob.getCrc32c() != null) {
            checksums.put("crc32c", HexFormat.of().formatHex(Base64.getDecoder().decode(blob.getCrc32c())));
        }
        Instant updated = blob.getUpdateTimeOffsetDateTime() != null
                ? blob.getUpdateTimeOffsetDateTime().toInstant()
                : Instant.ofEpochMilli(blob.getUpdateTime());
        return new StoredObject(
                key,
                blob.getSize() == null ? 0 : blob.getSize(),
                updated,
                Long.toString(blob.getGeneration()),
                checksums);
    }

    private long generation(String key, String version) throws ObjectChangedException {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            throw new ObjectChangedException(key, describe(key) + ": '" + version + "' is not a GCS generation");
        }
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return Base64.getEncoder()
                .encodeToString(
                        ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private int readChannel(ReadChannel channel, ByteBuffer into, String key) throws IOException {
        try {
            return channel.read(into);
        } catch (StorageException e) {
            if (e.getCode() == 416) {
                return -1; // a range from the end of the object on: nothing
            }
            throw failure("read", key, e);
        } catch (IOException e) {
            if (e.getCause() instanceof StorageException se) {
                if (se.getCode() == 416) {
                    return -1;
                }
                throw failure("read", key, se);
            }
            throw new IOException("could not read " + describe(key) + ": " + e.getMessage(), e);
        }
    }

    private IOException writeFailure(String key, WriteCondition condition, StorageException e) {
        if (e.getCode() == 412 && !(condition instanceof WriteCondition.None)) {
            return new ObjectChangedException(
                    key,
                    "not written: " + describe(key)
                            + (condition instanceof WriteCondition.IfAbsent
                                    ? " exists already"
                                    : " is no longer generation " + ((WriteCondition.IfVersion) condition).version()
                                            + " (or is gone)"));
        }
        return failure("write", key, e);
    }

    private IOException failure(String action, String key, StorageException e) {
        int code = e.getCode();
        if (code == 412) {
            return new ObjectChangedException(
                    key, "could not " + action + " " + describe(key) + ": it is no longer the generation asked for");
        }
        if (code == 404) {
            if (e.getMessage() != null
                    && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("bucket")) {
                return new StoreRefusedException(
                        "could not " + action + " " + describe(key) + ": the bucket '" + location.bucket()
                                + "' does not exist; check its spelling in the path, or create it",
                        e);
            }
            return new NoSuchFileException(describe(key), null, "could not " + action + " it: no such object");
        }
        if (code == 401 || code == 403) {
            return new StoreRefusedException(
                    "GCS refused to " + action + " " + describe(key) + " (" + code + ": "
                            + e.getMessage() + ") with " + credentialSource + ": give that identity the role 'Storage "
                            + "Object User' on the bucket (or 'Storage Object Viewer' to read), or use other credentials",
                    e);
        }
        if (code == 0 && e.getCause() instanceof IOException io) {
            return new IOException(
                    "could not " + action + " " + describe(key) + ": " + options.getHost() + " did not answer (" + io
                            + "); check the endpoint and the network",
                    e);
        }
        return new IOException(
                "could not " + action + " " + describe(key) + ": GCS answered " + code + " " + e.getMessage(), e);
    }

    /** The rest of a ranged read, after the bytes read to check it. */
    private final class ChannelStream extends InputStream {
        private final ReadChannel channel;
        private final ByteBuffer buffer;
        private final String key;
        private boolean end;

        ChannelStream(ReadChannel channel, ByteBuffer first, String key) {
            this.channel = channel;
            this.buffer = first;
            this.key = key;
            this.end = !first.hasRemaining();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                if (end) {
                    return -1;
                }
                buffer.clear();
                int n = readChannel(channel, buffer, key);
                buffer.flip();
                if (n < 0) {
                    end = true;
                    return -1;
                }
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            channel.close();
        }
    }
}
