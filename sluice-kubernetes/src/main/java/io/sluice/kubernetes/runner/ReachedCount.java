package io.sluice.kubernetes.runner;

import io.sluice.spi.SplitInfo;

/**
 * The splits a controller saw reach one state (done, dead) since it started, and their rows: they only grow. Counted
 * from what the controller sees happen, not from the ledger's splits in the state, whose count drops when one leaves it
 * ({@code sluice backfill} or {@code reset} takes done splits back, {@code sluice retry} sends dead ones back to
 * pending): a Prometheus counter read as reset, a summary with negative rows. And a look at every done split costs
 * what the ledger holds, a million rows a second for a controller watching for months.
 *
 * <p>What counts: when the leading controller ends one of its Jobs (first seen ended; a Job adopted after a restart
 * too), it looks the Job's split up once ({@code splitsNamed}, one batched call per turn) and counts it here if it is
 * done or dead under a claim made after the Job was (its token past the Job's {@code sluice.io/token}): the end of that
 * Job's pod, or of the controller's own recording of its failure. A split the controller fails for good without a Job
 * (a refused create, files it could not sign) is counted as dead at once. A split done again under a new claim (a
 * backfill, a retry) gets a new Job and counts again. Not counted: splits ended by anything else (a worker pool or
 * {@code sluice run --split} on the same ledger, a Job another controller led meanwhile, a Job deleted before this
 * controller saw it end); the ledger's counts ({@code sluice status}) have them.
 */
final class ReachedCount {
    private long splits;
    private long rowsIn;
    private long rowsOut;
    private long rejected;

    /** One split reached the state, with its rows. */
    void count(SplitInfo s) {
        splits++;
        rowsIn += s.rowsIn();
        rowsOut += s.rowsOut();
        rejected += s.rejected();
    }

    /** One split reached the state without rows (a split that died before a Job ran it). */
    void countOne() {
        splits++;
    }

    long splits() {
        return splits;
    }

    long rowsIn() {
        return rowsIn;
    }

    long rowsOut() {
        return rowsOut;
    }

    long rejected() {
        return rejected;
    }
}
