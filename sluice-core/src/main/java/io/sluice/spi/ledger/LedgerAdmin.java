package io.sluice.spi.ledger;

import io.sluice.spi.Completion;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.Totals;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Status and operations over all of the pipeline's splits: what {@code status}, {@code retry} and {@code reset} use. */
public interface LedgerAdmin {

    /** Number of splits in each state (states with none may be absent). */
    Map<SplitState, Long> counts();

    /** Splits in the given states, oldest first, at most {@code limit}. */
    List<SplitInfo> splits(Set<SplitState> states, int limit);

    /**
     * The named splits as {@link #splits(Set, int)} shows them, whatever their state; unknown ids are left out. A
     * batched look-up, not a listing: it costs what the ids cost, however many splits the ledger holds (a Kubernetes
     * controller asks it for the splits whose Jobs ended, to count its progress).
     */
    List<SplitInfo> splitsNamed(Collection<String> splitIds);

    /** Sends failed or dead splits back to pending with their attempts reset; all of them when ids is empty. */
    int retry(Collection<String> splitIds);

    /**
     * Done splits counted by the pipeline version that made them ({@link Completion#pipelineVersion}; "" for splits
     * done before versions were recorded).
     */
    Map<String, Long> doneByVersion();

    /**
     * Sends every done split made by a version other than {@code current} back to pending, attempts reset, so it is
     * processed again and its output replaced. Its recorded result (rows, outputs, version) is dropped with it.
     *
     * @return how many splits went back
     */
    int requeueOutdated(String current);

    /**
     * Sends the named done splits back to pending, attempts reset, so they are processed again and their output
     * replaced ({@code sluice backfill}). Their recorded result is dropped with them; splits in other states, and
     * unknown ids, are left alone.
     *
     * @return how many splits went back
     */
    int replay(Collection<String> splitIds);

    /** Totals over the done splits: rows in, rows out, bad records, and when the last one was done. */
    Totals totals();

    /**
     * Forgets everything this ledger holds for the pipeline, its {@link PlanStore#incarnation} and output locks
     * included. Tokens are never handed out again: a claim or lock from before stays fenced.
     */
    void reset();
}
