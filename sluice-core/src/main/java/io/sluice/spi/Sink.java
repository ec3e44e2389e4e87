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
     * Writes the rows of {@code query} for one split and commits them. Once the rows are staged, {@code badRecords}
     * says which bad records to keep beside them (it may throw to abandon the write); {@code fence} is called right
     * before the commit: it throws when the claim went stale.
     */
    Written write(Connection duckdb, Split split, String query, BadRecords badRecords, Fence fence) throws Exception;

    /**
     * For a {@link MergingStep}: stores one split's partial rows (and bad records) instead of output, replacing the
     * split's earlier partial; committed like {@link #write}.
     */
    default Written writePartial(Connection duckdb, Split split, String query, BadRecords badRecords, Fence fence)
            throws Exception {
        throw new UnsupportedOperationException("this sink cannot hold partial results: an aggregate step needs another sink");
    }

    /**
     * A query over the stored partials of these splits (the ones the ledger has done), or null when there is none.
     * Partials of other splits (forgotten by a reset and planned differently since) are left out.
     */
    default String partials(java.util.Set<String> splitIds) {
        return null;
    }

    /**
     * Replaces the merged output with the rows of {@code query}, atomically; with {@code changesOnly}, writes only
     * the rows that differ from the previous merged output, as a new file of changes.
     */
    default Written replaceMerged(Connection duckdb, String query, boolean changesOnly) throws Exception {
        throw new UnsupportedOperationException("this sink cannot hold merged results");
    }

    /**
     * The bad records of a split, known only once its rows have been read: the reader collects them during the
     * same scan that the sink's write runs.
     */
    @FunctionalInterface
    interface BadRecords {
        BadRecords NONE = () -> null;

        /** A query of the bad records to keep beside the rows, or null; throws to abandon the write. */
        String query() throws Exception;
    }

    /** Checks that the caller still holds the split, and whether its inputs are still current. */
    @FunctionalInterface
    interface Fence {
        void check() throws StaleClaimException;

        /**
         * Whether the split's inputs are still the versions it was planned with ({@link Source#current}). A sink
         * that replaces the other versions of an output ({@link OutputKey}) asks it right before the commit, while no
         * other version of that output can commit: when it is false the split writes nothing, because a newer version
         * writes the output; when it is true the split's output replaces every other version's.
         */
        default boolean inputsCurrent() throws java.io.IOException {
            return true;
        }

        /** A fence of the claim check and the source's {@link Source#current} for the split. */
        static Fence of(Fence claim, Source source, Split split) {
            return new Fence() {
                @Override
                public void check() throws StaleClaimException {
                    claim.check();
                }

                @Override
                public boolean inputsCurrent() throws java.io.IOException {
                    return source.current(split);
                }
            };
        }
    }

    record Written(long rowsOut, List<String> outputs) {
        public Written {
            outputs = List.copyOf(outputs);
        }
    }
}
