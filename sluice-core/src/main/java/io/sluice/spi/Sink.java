package io.sluice.spi;

import io.sluice.spi.source.Source;
import java.sql.Connection;
import java.util.List;

/**
 * Writes a split's records and commits them atomically, so that running the split again replaces its output
 * and never duplicates it (contract rule 3).
 */
public interface Sink {

    /**
     * Fails early, before any split runs, when the target cannot be written; the message says what to do. Changes
     * nothing ({@code sluice validate} calls it): {@link #prepare} creates what a run needs.
     */
    void check() throws Exception;

    /** Creates what writing needs (folders, say), once per run after {@link #check}, before any split runs. */
    default void prepare() throws Exception {
    }

    /**
     * Fails, naming the option, when the sink needs a column that the records it would receive do not have (a
     * partition column the steps do not produce, say). {@code columns} are those of a sample of the input after the
     * steps, in order.
     */
    default void checkColumns(List<String> columns) {
    }

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
     * Removes whatever the split's attempts left (committed files of an attempt that failed after its commit began,
     * staged files of one that crashed), because the split is about to be forgotten and its inputs planned again in
     * other splits: no row of it may stay. Checks {@code fence} first, under the same guard as a commit, so a split
     * another worker took over is left alone. The default suits a sink that commits a split in one transaction and
     * leaves nothing behind a failed attempt.
     */
    default void discard(Split split, Fence fence) throws Exception {
        fence.check();
    }

    /**
     * A query over the stored partials of the splits the ledger has done, or null when there is none. Partials of
     * other splits (in flight, or forgotten by a reset and planned differently since) are left out.
     */
    default String partials(DoneSplits done) throws Exception {
        return null;
    }

    /**
     * Folds the stored partials of done splits into a compacted partial with {@code fold} (a query over partial rows
     * giving partial rows), so that {@link #partials} reads a few files however long the pipeline has run. Only when
     * at least {@code atLeast} partials are not folded yet. Must leave the partials exact after a crash at any point.
     *
     * @return how many splits' partials were folded (0: nothing done)
     */
    default int compactPartials(Connection duckdb, DoneSplits done, java.util.function.UnaryOperator<String> fold,
                                int atLeast) throws Exception {
        return 0;
    }

    /** The splits the ledger holds as done, listed when a sink asks. */
    @FunctionalInterface
    interface DoneSplits {
        /**
         * @param again false: a listing taken earlier in this merge will do; true: list the ledger now (a compacted
         *              file names a split the earlier listing did not have as done)
         */
        java.util.Collection<Done> list(boolean again);
    }

    /**
     * A split the ledger holds as done, and its completion: what identifies this completion among every time the
     * split may be done (it differs when the split is run again after a reset, or by a new process of an in-memory
     * ledger).
     */
    record Done(String splitId, String completion) {
        public Done {
            java.util.Objects.requireNonNull(splitId, "splitId");
            java.util.Objects.requireNonNull(completion, "completion");
        }

        /** The completion of a done split as the ledger lists it: when it was completed, and its row counts. */
        public static Done of(SplitInfo split) {
            return new Done(split.id(), split.updated() + "/" + split.rowsIn() + "/" + split.rowsOut());
        }
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

        /**
         * A query of the bad records to keep beside the rows, or null; throws to abandon the write. Call it on the
         * same connection right after the statement that wrote the rows: the engine reads how many records that
         * statement scanned from its profile (otherwise it counts them again, at the cost of a second read).
         */
        String query() throws Exception;
    }

    /** Checks that the caller still holds the split, and whether its inputs are still current; names the ledger's record. */
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

        /**
         * The {@link Ledger#incarnation} the split was claimed in: its output is known by it, so that after a reset
         * (or a lost ledger) the outputs of the forgotten splits are told apart from the new ones and replaced by the
         * new outputs of the same inputs. Null for what is no split's output (merged results).
         */
        default String incarnation() {
            return null;
        }

        /** A fence of the claim check, the source's {@link Source#current} for the split, and the ledger's incarnation. */
        static Fence of(Fence claim, Source source, Split split, String incarnation) {
            return new Fence() {
                @Override
                public void check() throws StaleClaimException {
                    claim.check();
                }

                @Override
                public boolean inputsCurrent() throws java.io.IOException {
                    return source.current(split);
                }

                @Override
                public String incarnation() {
                    return incarnation;
                }
            };
        }
    }

    /**
     * What Sluice wrote for the pipeline in this sink, as {@link #deleteOutput} would remove it (paths or names as the
     * user knows them); nothing is changed.
     */
    default List<String> listOutput() throws Exception {
        throw new UnsupportedOperationException("this sink cannot list the output it wrote; remove it by hand");
    }

    /**
     * Removes everything Sluice wrote for the pipeline in this sink (its outputs, bad records, partial and merged
     * results, and its own bookkeeping), and nothing else. Run it after the ledger was reset: until then a run could
     * commit more.
     *
     * @return what it removed, as {@link #listOutput} lists it
     */
    default List<String> deleteOutput() throws Exception {
        throw new UnsupportedOperationException("this sink cannot remove the output it wrote; remove it by hand");
    }

    record Written(long rowsOut, List<String> outputs) {
        public Written {
            outputs = List.copyOf(outputs);
        }
    }
}
