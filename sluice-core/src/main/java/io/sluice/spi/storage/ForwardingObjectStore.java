package io.sluice.spi.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A store that hands every call to another: a decorator (and a test) overrides the calls it watches or changes. The
 * default methods ({@code writeMoving}, {@code copyFrom}, {@code delete(key, version)}) are not forwarded, so they reach
 * the overridden calls. A wrapper that moves the root ({@link #root()}) overrides {@link #place()} too: the place is
 * forwarded, so it would still name the delegate's, and the files source would compare its sink's folder with a place
 * that is not this store's.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    protected final ObjectStore store;

    protected ForwardingObjectStore(ObjectStore store) {
        this.store = store;
    }

    @Override
    public String root() {
        return store.root();
    }

    @Override
    public String place() {
        return store.place();
    }

    @Override
    public String describe(String key) {
        return store.describe(key);
    }

    @Override
    public Optional<String> reservedName(String name) {
        return store.reservedName(name);
    }

    @Override
    public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
        return store.list(prefix, startAfter);
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        return store.stat(key);
    }

    @Override
    public InputStream read(String key, String version, long offset, long length) throws IOException {
        return store.read(key, version, offset, length);
    }

    @Override
    public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
        return store.write(key, file, condition);
    }

    @Override
    public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
        return store.write(key, content, condition);
    }

    @Override
    public StoredObject copy(String fromKey, String toKey) throws IOException {
        return store.copy(fromKey, toKey);
    }

    @Override
    public void delete(String key) throws IOException {
        store.delete(key);
    }

    @Override
    public int abortIncompleteWrites(String prefix, Instant startedBefore) throws IOException {
        return store.abortIncompleteWrites(prefix, startedBefore);
    }

    @Override
    public int abortIncompleteWrites(java.util.Collection<String> keys, Instant startedBefore) throws IOException {
        return store.abortIncompleteWrites(keys, startedBefore);
    }

    @Override
    public Capabilities capabilities() {
        return store.capabilities();
    }

    @Override
    public String credentialSource() {
        return store.credentialSource();
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
