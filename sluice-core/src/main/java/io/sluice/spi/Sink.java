package io.sluice.spi;

import java.sql.Connection;
import java.util.List;

/**
 * Writes a split's records and commits them atomically, so that running the split again replaces its output
 * and never duplicates it (contract rule 3).
 */
public interface Sink {

    /** Fails early, before any split runs, when the target cannot be written; the message says what to do. */
    void check() throws Exception;

    /**
     * Writes the rows of {@code query} (and the bad records of {@code rejectsQuery}, when not null) for one
     * split and commits them. {@code fence} is called right before the commit: it throws when the claim went stale.
     */
    Written write(Connection duckdb, Split split, String query, String rejectsQuery, Fence fence) throws Exception;

    /** Checks that the caller still holds the split. */
    @FunctionalInterface
    interface Fence {
        void check() throws StaleClaimException;
    }

    record Written(long rowsOut, List<String> outputs) {
        public Written {
            outputs = List.copyOf(outputs);
        }
    }
}
