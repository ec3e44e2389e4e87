package io.sluice.sinks.iceberg;

import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Iceberg's file IO over Sluice's object stores: a table on S3, Google Cloud Storage or Azure Blob is read and written
 * through the same stores, settings ({@code s3: {...}} beside the catalog) and credential chains as the files source
 * and sink, with no Hadoop and no second SDK configuration. Local paths and {@code file:} URIs go to
 * {@link LocalFileIO}. A store is opened per bucket (scheme and authority) on first use.
 */
public final class StoreFileIO implements FileIO {
    private static final long serialVersionUID = 1L;

    /** The catalog property naming the store settings this file IO opens its stores with ({@link #settings}). */
    static final String SETTINGS = "sluice.store-settings";

    /**
     * Store settings by id: a catalog makes its file IO by reflection from string properties, and the settings
     * blocks are validated values, so the sink leaves them here and names them in {@link #SETTINGS}.
     */
    private static final Map<String, Map<String, Map<String, Object>>> REGISTERED = new ConcurrentHashMap<>();

    private Map<String, String> properties = Map.of();
    private transient Map<String, Map<String, Object>> blocks = Map.of();
    private transient Map<String, ObjectStore> stores = new ConcurrentHashMap<>();
    private transient LocalFileIO local = new LocalFileIO();

    /** Leaves store settings for the file IO a catalog makes; returns the id to give as {@link #SETTINGS}. */
    static String settings(Map<String, Map<String, Object>> blocks) {
        String id = UUID.nameUUIDFromBytes(blocks.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
        REGISTERED.putIfAbsent(id, Map.copyOf(blocks));
        return id;
    }

    @Override
    public void initialize(Map<String, String> props) {
        this.properties = Map.copyOf(props);
        String id = props.get(SETTINGS);
        this.blocks = id == null ? Map.of() : REGISTERED.getOrDefault(id, Map.of());
        local.initialize(props);
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    static boolean isUrl(String location) {
        return !location.startsWith("file:") && ObjectStores.isUrl(location);
    }

    /** The bucket's store and the object's key of a location such as {@code s3://bucket/db/t/data/x.parquet}. */
    private record Place(ObjectStore store, String key) {}

    private Place place(String location) {
        URI uri = URI.create(location);
        String root = uri.getScheme() + "://" + uri.getRawAuthority() + "/";
        String key = location.substring(root.length());
        ObjectStore store = stores.computeIfAbsent(root, r -> {
            try {
                return ObjectStores.open(r, blocks);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot open the object store of " + location + ": " + e.getMessage(), e);
            }
        });
        return new Place(store, key);
    }

    @Override
    public InputFile newInputFile(String location) {
        return isUrl(location) ? new StoreInput(location, place(location), -1) : local.newInputFile(location);
    }

    @Override
    public InputFile newInputFile(String location, long length) {
        return isUrl(location) ? new StoreInput(location, place(location), length) : local.newInputFile(location);
    }

    @Override
    public OutputFile newOutputFile(String location) {
        return isUrl(location) ? new StoreOutput(location, place(location)) : local.newOutputFile(location);
    }

    @Override
    public void deleteFile(String location) {
        if (!isUrl(location)) {
            local.deleteFile(location);
            return;
        }
        Place p = place(location);
        try {
            p.store().delete(p.key());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + location + ": " + e.getMessage(), e);
        }
    }

    /** Writes a finished local file (a data file the sink staged, which stays) as the object at {@code location}. */
    void upload(Path file, String location) throws IOException {
        Place p = place(location);
        p.store().write(p.key(), file, WriteCondition.none());
    }

    @Override
    public void close() {
        for (ObjectStore s : stores.values()) {
            try {
                s.close();
            } catch (IOException e) {
                // closing clients: nothing of the table's is lost
            }
        }
        stores.clear();
    }

    private record StoreInput(String location, Place place, long knownLength) implements InputFile {
        @Override
        public long getLength() {
            if (knownLength >= 0) return knownLength;
            try {
                return place.store()
                        .stat(place.key())
                        .map(StoredObject::size)
                        .orElseThrow(() -> new NotFoundException("file %s does not exist", location));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + location + ": " + e.getMessage(), e);
            }
        }

        @Override
        public SeekableInputStream newStream() {
            return new RangedStream(location, place);
        }

        @Override
        public boolean exists() {
            try {
                return place.store().stat(place.key()).isPresent();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads from the position on: one ranged GET, opened again after a seek (Parquet reads its footer first). */
    private static final class RangedStream extends SeekableInputStream {
        private final String location;
        private final Place place;
        private InputStream open;
        private long pos;

        RangedStream(String location, Place place) {
            this.location = location;
            this.place = place;
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void seek(long to) throws IOException {
            if (to == pos) return;
            if (open != null) open.close();
            open = null;
            pos = to;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (open == null) {
                try {
                    open = place.store().read(place.key(), null, pos, -1);
                } catch (NoSuchFileException e) {
                    throw new NotFoundException(e, "file %s does not exist", location);
                }
            }
            int n = open.read(b, off, len);
            if (n > 0) pos += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (open != null) open.close();
            open = null;
        }
    }

    /** Written to a local temporary file, then stored whole when closed: an object appears complete or not at all. */
    private record StoreOutput(String location, Place place) implements OutputFile {
        @Override
        public PositionOutputStream create() {
            return open(WriteCondition.ifAbsent());
        }

        @Override
        public PositionOutputStream createOrOverwrite() {
            return open(WriteCondition.none());
        }

        /** An existing object under {@code ifAbsent} is refused by the write when the stream closes. */
        private PositionOutputStream open(WriteCondition condition) {
            try {
                Path temp = Files.createTempFile("sluice-iceberg-", ".tmp");
                return new UploadingStream(location, place, temp, condition);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + location + ": " + e.getMessage(), e);
            }
        }

        @Override
        public InputFile toInputFile() {
            return new StoreInput(location, place, -1);
        }
    }

    private static final class UploadingStream extends PositionOutputStream {
        private final String location;
        private final Place place;
        private final Path temp;
        private final WriteCondition condition;
        private final OutputStream out;
        private long pos; // asked after close too (the stored length of a manifest)
        private boolean closed;

        UploadingStream(String location, Place place, Path temp, WriteCondition condition) throws IOException {
            this.location = location;
            this.place = place;
            this.temp = temp;
            this.condition = condition;
            this.out = new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            pos++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            pos += len;
        }

        @Override
        public void close() throws IOException {
            if (closed) return; // closed twice (a writer and its caller both close it)
            closed = true;
            try {
                out.close();
                place.store().writeMoving(place.key(), temp, condition);
            } catch (ObjectChangedException e) {
                throw new AlreadyExistsException(e, "file %s already exists", location);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
