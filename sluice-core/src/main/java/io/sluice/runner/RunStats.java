package io.sluice.runner;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters of one run, read by progress displays while workers update them. */
public final class RunStats {
    final AtomicLong splitsDone = new AtomicLong();
    final AtomicLong attemptsFailed = new AtomicLong();
    final AtomicLong splitsDead = new AtomicLong();
    final AtomicLong rowsIn = new AtomicLong();
    final AtomicLong rowsOut = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong planned = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong seen = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    /** Splits this process was granted (a claim of the oldest, or of a named split). */
    final AtomicLong claimed = new AtomicLong();
    /** Ledger calls that failed and were ridden out (a pool member), and whether the ledger is unreachable now. */
    final AtomicLong ledgerFailures = new AtomicLong();

    final java.util.concurrent.atomic.AtomicBoolean ledgerDown = new java.util.concurrent.atomic.AtomicBoolean();
    /** Told the time of each split from its claim to its record (a metrics timer); none by default. */
    private volatile java.util.function.LongConsumer splitTimes = nanos -> {};
    /** What each split planned again without its inputs that fail alone became, one line each. */
    final java.util.List<String> divided = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Inputs left out while their split was read (deleted or replaced since the listing): how many, and the first lines. */
    final AtomicLong leftOut = new AtomicLong();

    final java.util.List<String> leftOutLines = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Time in the ledger calls of splits (claim, fence check, complete or fail), and in splits from claim to record. */
    final AtomicLong ledgerNanos = new AtomicLong();

    final AtomicLong splitNanos = new AtomicLong();
    final long startNanos = System.nanoTime();

    public long splitsDone() {
        return splitsDone.get();
    }

    public long attemptsFailed() {
        return attemptsFailed.get();
    }

    public long splitsDead() {
        return splitsDead.get();
    }

    public long rowsIn() {
        return rowsIn.get();
    }

    public long rowsOut() {
        return rowsOut.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public long bytes() {
        return bytes.get();
    }
    /** Splits known to this run: registered now plus the ones left pending by earlier runs. */
    public long planned() {
        return planned.get();
    }
    /** Inputs left out by a rule (duplicate content, ignored change, unknown format), at the last plan. */
    public long skipped() {
        return skipped.get();
    }
    /** Inputs already processed by earlier runs, at the first plan. */
    public long seen() {
        return seen.get();
    }

    public long inFlight() {
        return inFlight.get();
    }

    public long claimed() {
        return claimed.get();
    }

    public long ledgerFailures() {
        return ledgerFailures.get();
    }

    public boolean ledgerDown() {
        return ledgerDown.get();
    }

    /** Has {@code observer} told the nanoseconds of each split this process runs, from its claim to its record. */
    public void observeSplitTimes(java.util.function.LongConsumer observer) {
        this.splitTimes = java.util.Objects.requireNonNull(observer);
    }

    /** A split ended (done, failed, stale or divided), {@code nanos} after it was asked for. */
    void splitEnded(long nanos) {
        splitNanos.addAndGet(nanos);
        splitTimes.accept(nanos);
    }

    public java.util.List<String> divided() {
        return java.util.List.copyOf(divided);
    }

    public long leftOut() {
        return leftOut.get();
    }

    /** "split ID: KEY: REASON" for the first {@value #LEFT_OUT_LINES} inputs left out while reading. */
    public java.util.List<String> leftOutLines() {
        return java.util.List.copyOf(leftOutLines);
    }

    static final int LEFT_OUT_LINES = 20;

    /** Counts an input left out while its split was read; keeps its line while there are few. */
    void leftOut(String splitId, io.sluice.spi.source.Skipped s) {
        String line = "split " + splitId + ": " + s.key() + " left out: " + s.reason();
        if (leftOut.incrementAndGet() <= LEFT_OUT_LINES) leftOutLines.add(line);
    }

    /**
     * For a runner whose splits run in other processes (one Kubernetes Job each) and end in the ledger: the counts
     * since the run began as the ledger has them, so the progress line and the metrics read as a local run's.
     * {@code planned} is the splits done since the start and those open now; {@code failed} the failed attempts the
     * runner recorded or saw end since the start; {@code dead} the splits that died since the start, each once (the
     * runner keeps both from dropping: a counter only grows).
     */
    public void fromLedger(
            long planned, long done, long failed, long dead, long inFlight, long rowsIn, long rowsOut, long rejected) {
        this.planned.set(planned);
        this.splitsDone.set(done);
        this.attemptsFailed.set(failed);
        this.splitsDead.set(dead);
        this.inFlight.set(inFlight);
        this.rowsIn.set(rowsIn);
        this.rowsOut.set(rowsOut);
        this.rejected.set(rejected);
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
    /** The ledger's share of the time per split, 0 to 1: what a faster ledger could save at most. */
    public double ledgerShare() {
        return splitNanos.get() == 0 ? 0 : (double) ledgerNanos.get() / splitNanos.get();
    }
    /** Mean time in ledger calls per split, in milliseconds. */
    public double ledgerMillisPerSplit() {
        return splitsDone() == 0 ? 0 : ledgerNanos.get() / 1e6 / splitsDone();
    }
}
