package io.sluice.spi.source;

import java.io.IOException;
import java.util.List;

/**
 * One split opened for reading ({@link Source#open}), closed after the engine read it. Delivers the split's records in
 * the form fastest for its connector; for now {@link LocalFiles}, the form the engine reads fastest.
 */
public interface SplitReader extends AutoCloseable {

    /** The split's records. Empty parts when every input was left out (see {@link #skipped}): nothing to write. */
    LocalFiles files();

    /**
     * Inputs of the split left out while opening it, each with why: an object deleted after it was planned, a
     * version replaced by a newer one that is planned as work of its own. The run reports them.
     */
    default List<Skipped> skipped() {
        return List.of();
    }

    @Override
    default void close() throws IOException {}

    /** A reader of files already in place (or spooled under the split's scratch, which the framework removes). */
    static SplitReader of(LocalFiles files, List<Skipped> skipped) {
        List<Skipped> left = List.copyOf(skipped);
        return new SplitReader() {
            @Override
            public LocalFiles files() {
                return files;
            }

            @Override
            public List<Skipped> skipped() {
                return left;
            }
        };
    }
}
