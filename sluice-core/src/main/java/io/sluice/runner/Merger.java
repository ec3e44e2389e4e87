package io.sluice.runner;

import io.sluice.engine.DuckEngine;
import io.sluice.engine.Merges;
import io.sluice.pipeline.Assembly;
import io.sluice.spi.Ledger;
import io.sluice.spi.MergingStep;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Rebuilds an aggregate's merged result (totals, or changed groups) from the partial of every split the ledger has
 * done. Only those: after a reset, splits may be cut differently, and the partials of the forgotten ones must not
 * count again. First, once {@link #COMPACT_AT} partials are not compacted yet, the sink folds them into its compacted
 * partial, so a merge reads a few files however long the pipeline has run. A merge that fails (another process
 * compacted the files it was reading) is tried again.
 *
 * <p>Merges of a pool's workers and of Kubernetes pods run one at a time, under a lock in the ledger taken before the
 * done splits are listed: the last merge to commit has listed every split done before it began, and two merges never
 * replace the output at once (with {@code partition_by}, one could remove a partition file the other wrote). A merge
 * that finds the lock taken by a merge granted it after this process's splits were done leaves the work to that one,
 * which lists them too: many pods that end at once wait for one merge, not for one each.
 */
public final class Merger {
    /**
     * The sink compacts the partial results once this many splits' partials are not compacted yet; the system
     * property {@code sluice.compact.at} changes it (crash tests compact at almost every merge).
     */
    static final int COMPACT_AT = Math.max(1, Integer.getInteger("sluice.compact.at", 16));

    /** The ledger lock a merge holds from its listing of the done splits to its commit. */
    static final String LOCK = "merge";

    /**
     * How long a merge at the end of a run (or of a Kubernetes pod's split) waits for another worker's merge: a
     * paused holder loses the lock within its lease, so only a merge at work (compacting, rebuilding large totals)
     * holds it this long.
     */
    public static final Duration WAIT = Duration.ofMinutes(10);

    private static final int ATTEMPTS = 3;

    /** How soon a watching worker asks again after finding another worker's merge at work: not at every 100 ms tick. */
    private static final long BUSY_RETRY_NANOS = 1_000_000_000L;

    private final Assembly a;
    private final MergingStep step;
    private final LedgerLocks locks;
    private final RunListener listener;
    /** The splits done here when the merged result was last rebuilt (or left to a newer merge); -1 before. */
    private long mergedAt = -1;
    /** The merge lock's grant once {@code before.done()} splits were done here. */
    private Before before = new Before(-1, Optional.empty());
    /** {@link System#nanoTime} before which a watching worker does not try again: another worker's merge was at work. */
    private long busyUntil = System.nanoTime();

    private Merger(Assembly a, MergingStep step, LedgerLocks locks, RunListener listener) {
        this.a = a;
        this.step = step;
        this.locks = locks;
        this.listener = listener;
    }

    /** The merger of the pipeline's aggregate; empty when its last step merges nothing across splits. */
    public static Optional<Merger> of(Assembly a, LedgerLocks locks, RunListener listener) {
        if (a.steps().isEmpty() || !(a.steps().getLast() instanceof MergingStep step)) return Optional.empty();
        return Optional.of(new Merger(a, step, locks, listener));
    }

    /**
     * In watch mode: a merge is due once splits were done here since the last merge, none is in flight and nothing is
     * left to claim for now, unless another worker's merge was found at work within the last second.
     */
    boolean due(long done, long inFlight) {
        if (done == mergedAt || inFlight > 0 || System.nanoTime() - busyUntil < 0) return false;
        Map<SplitState, Long> counts = a.ledger().counts();
        return counts.getOrDefault(SplitState.PENDING, 0L) + counts.getOrDefault(SplitState.CLAIMED, 0L) == 0;
    }

    /**
     * Rebuilds the merged result, or leaves it to a merge granted the lock after {@code done} splits were done here.
     *
     * @param done the splits done by this process so far
     * @param wait how long to wait while another worker's merge holds the lock; zero in watch mode, where a merge
     *             found at work leaves this one to a later turn ({@link #due})
     */
    public void merge(DuckEngine engine, long done, Duration wait) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                // taken when a merge for these splits is first tried, not at each try of watch mode
                if (done != before.done()) before = new Before(done, locks.holderToken(LOCK));
                Optional<OutputLocks.Held> held = locks.lockUnlessTakenAfter(LOCK, before.token(), wait);
                if (held.isEmpty()) {
                    listener.info("another worker's merge, begun after this one's splits were done, rebuilds the "
                            + "merged results");
                    break;
                }
                try (OutputLocks.Held lock = held.get()) {
                    mergeOnce(engine, lock);
                }
                break;
            } catch (LedgerLocks.Busy busy) {
                if (wait.isZero()) {
                    busyUntil = System.nanoTime() + BUSY_RETRY_NANOS;
                    return;
                }
                throw new java.io.IOException(
                        "the merged results were not rebuilt here: " + busy.getMessage()
                                + "; that merge rebuilds them, or the next run does",
                        busy);
            } catch (Exception e) {
                if (attempt >= ATTEMPTS || e instanceof PartialResults.Unmergeable) throw e;
                listener.info("merging the partial results failed, trying again: " + e.getMessage());
            }
        }
        mergedAt = done;
    }

    /** The merge lock's grant once {@code done} splits were done here (empty: nobody held it). */
    private record Before(long done, Optional<Long> token) {}

    private void mergeOnce(DuckEngine engine, OutputLocks.Held lock) throws Exception {
        PartialResults partials = a.sink()
                .partialResults()
                .orElseThrow(() -> new IllegalStateException(
                        "the sink cannot hold partial results: an aggregate step needs another sink"));
        // before the listing: a newer merge's results, of more splits, are not written over
        PartialResults.Began began = partials.mergeBegins();
        // one listing of the done splits serves the compaction and the merge, unless the sink asks for a new one
        List<SplitInfo> first = doneSplits();
        var listed = new AtomicReference<>(asDone(first));
        PartialResults.DoneSplits done = again -> {
            if (again) listed.set(asDone(doneSplits()));
            return listed.get();
        };
        try (Scratch merge = Scratch.create(a.pipeline().run().engine().spillPath(), "merge");
                Connection c = engine.connect()) {
            Path scratch = merge.folder("m" + Thread.currentThread().threadId());
            Files.createDirectories(scratch);
            try {
                int folded = a.source().plansNewVersions() || outdated(first)
                        ? 0
                        : partials.compact(
                                done, (in, out) -> Merges.fold(c, step, in, out), COMPACT_AT, locks, scratch);
                if (folded > 0) listener.info("partial results of " + folded + " split(s) compacted");
            } catch (Exception e) {
                // nothing is lost: a compaction that stops anywhere leaves the partials as a merge reads them
                listener.info(
                        "compacting the partial results failed (tried again at the next merge): " + e.getMessage());
            }
            var written = Merges.merge(c, step, partials, done, lock, began, scratch);
            if (written.isPresent()) {
                listener.info((step.changesOnly() ? "changed groups written: " : "totals rebuilt: ")
                        + written.get().rowsOut() + " row(s)");
            }
        }
    }

    private List<SplitInfo> doneSplits() {
        return a.ledger().splits(EnumSet.of(SplitState.DONE), Integer.MAX_VALUE);
    }

    private static List<PartialResults.Done> asDone(List<SplitInfo> splits) {
        return splits.stream().map(PartialResults.Done::of).toList();
    }

    /**
     * Whether some done split was made by another version of the pipeline. Then nothing is compacted: a compacted
     * file must only hold splits that a rebuild ({@link Ledger#requeueOutdated}) sends back all together, or none of.
     * Otherwise the rebuild would make the file unusable while the partials of its current splits were deleted.
     */
    private boolean outdated(List<SplitInfo> done) {
        String current = a.pipeline().version();
        return done.stream().anyMatch(s -> !current.equals(s.pipelineVersion()));
    }
}
