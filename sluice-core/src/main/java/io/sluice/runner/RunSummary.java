package io.sluice.runner;

import io.sluice.spi.SplitState;
import java.util.Map;

/**
 * The end of a run.
 *
 * @param died   splits that ended dead under this run
 * @param seen   inputs already processed by earlier runs
 * @param ledger the pipeline's splits by state after the run (all runs, not only this one)
 * @param replaced of the dead splits in {@code ledger}, those whose inputs' newer version is done
 *                 ({@link io.sluice.planning.Superseded}): nothing is left to do for them
 */
public record RunSummary(
        long splitsDone,
        long attemptsFailed,
        long died,
        long seen,
        long skipped,
        long rowsIn,
        long rowsOut,
        long rejected,
        long bytes,
        long millis,
        boolean interrupted,
        Map<SplitState, Long> ledger,
        long replaced) {

    public static final int OK = 0;
    public static final int SOME_DEAD = 1;
    public static final int INVALID = 2;
    public static final int INTERRUPTED = 3;

    /** Dead splits that still stand for work not done: a replaced one does not. */
    public long dead() {
        return Math.max(0, ledger.getOrDefault(SplitState.DEAD, 0L) - replaced);
    }

    /** 0 all done, 1 some splits dead (not replaced), 3 interrupted (2, invalid input, is decided before a run starts). */
    public int exitCode() {
        if (interrupted) return INTERRUPTED;
        return dead() > 0 ? SOME_DEAD : OK;
    }

    /**
     * For a run that watches until it is stopped (a worker, {@code run --mode watch}): a stop is how it ends, not an
     * interruption, so 0, or 1 when a split died under it. (A second signal quits at once with 3, elsewhere.)
     */
    public int exitCodeWhenWatching() {
        return died > 0 ? SOME_DEAD : OK;
    }
}
