package io.sluice.spi.sink;

import io.sluice.spi.SplitInfo;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A sink's capability of holding an aggregate's partial results: each split's partial (a replay replaces it), their
 * compaction, and the merged output rebuilt from them. Offered by a sink that can hold them
 * ({@link Sink#partialResults}); an aggregate step needs a sink that does. Partials travel as local Parquet files, the
 * form the engine reads and writes fastest.
 */
public interface PartialResults {

    /**
     * A writer of one split's partial rows, in place of its output; staged and committed like output, with the same
     * context as {@link Sink#open}.
     */
    SinkWriter openPartial(io.sluice.spi.Split split, WriteContext context) throws Exception;

    /**
     * The partials of the splits the ledger holds as done, as local Parquet files (downloaded under {@code scratch}
     * when they live elsewhere); empty when there is none. Partials of other splits (in flight, or forgotten by a reset)
     * are left out.
     */
    Optional<List<Path>> read(DoneSplits done, Path scratch) throws Exception;

    /**
     * Folds the partials of done splits into a compacted partial with {@code fold}, so that {@link #read} returns a few
     * files however long the pipeline has run; only when at least {@code atLeast} partials are not folded yet. Must
     * leave the partials exact after a crash at any point. Two compactions never run at once (a ledger lock).
     *
     * @return how many splits' partials were folded (0: nothing done)
     */
    int compact(DoneSplits done, Fold fold, int atLeast, OutputLocks locks, Path scratch) throws Exception;

    /**
     * Called by a merge once it holds the merge lock, before it lists the done splits: what merged output is published
     * now, which {@link #replaceMerged} of this merge is given back and publishes only over. A merge paused past its
     * lock's lease after its last check, while a newer merge published results of more splits, then fails (and is
     * tried again) instead of writing its older results over the newer ones.
     */
    Began mergeBegins() throws Exception;

    /** What the merged output was when a merge began ({@link #mergeBegins}), as the sink noted it: its own to read. */
    interface Began {}

    /** The merged output as last written (local Parquet file), for a merge that writes changes only; empty before the first. */
    Optional<Path> lastMerged(Path scratch) throws Exception;

    /**
     * Replaces the merged output with {@code merged}, atomically; with {@code changes} present, writes those rows as a
     * new output of changes instead and keeps {@code merged} as the last merged output.
     *
     * @param lock the merge's lock in the ledger, held since before the done splits were listed: merges of a pool's
     *             workers and pods run one at a time, each over a listing at least as new as the last one committed.
     *             Checked ({@link OutputLocks.Held#check}) before each write readers see, so that a merge paused past
     *             its lease (another merge may have committed newer results meanwhile) commits nothing.
     * @param began what {@link #mergeBegins} of this merge returned: the merged output is replaced only while it is
     *             still that one
     */
    Written replaceMerged(Rows merged, Optional<Rows> changes, OutputLocks.Held lock, Began began) throws Exception;

    /**
     * The partials as they are cannot give exact merged results, and trying again gives the same: the merge stops at
     * once, and the merged output committed before stays. The message says what the user must do.
     */
    class Unmergeable extends java.io.IOException {
        public Unmergeable(String message) {
            super(message);
        }
    }

    /** Folds partial files into one partial file with the same columns: the engine's, given to {@link #compact}. */
    @FunctionalInterface
    interface Fold {
        void apply(List<Path> partials, Path into) throws Exception;
    }

    /** The splits the ledger holds as done, listed when the sink asks. */
    @FunctionalInterface
    interface DoneSplits {
        /**
         * @param again false: a listing taken earlier in this merge will do; true: list the ledger now (a compacted
         *              partial names a split the earlier listing did not have as done)
         */
        Collection<Done> list(boolean again);
    }

    /**
     * A split the ledger holds as done, and its completion: what identifies this completion among every time the
     * split may be done (it differs when the split is run again after a reset, or by a new process of an in-memory
     * ledger).
     */
    record Done(String splitId, String completion) {
        public Done {
            Objects.requireNonNull(splitId, "splitId");
            Objects.requireNonNull(completion, "completion");
        }

        /** The completion of a done split as the ledger lists it: when it was completed, and its row counts. */
        public static Done of(SplitInfo split) {
            return new Done(split.id(), split.updated() + "/" + split.rowsIn() + "/" + split.rowsOut());
        }
    }
}
