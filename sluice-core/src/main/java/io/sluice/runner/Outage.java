package io.sluice.runner;

import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether the ledger answers, and what a run does when it does not. A plain run stops at the first failed call (its
 * user sees the error). A pool member rides the outage out: calls about a split in flight are retried with backoff
 * ({@link #patiently}), claimers pause ({@link #pause}), and the first failed call reports the outage and the first call
 * that succeeds after it reports the end, so a worker's log says each once, not once per call and thread. A ledger
 * that refuses the process ({@link LedgerRefusedException}: a login, a permission) is no outage: waiting does not help,
 * so it stops a member as it stops a plain run, and the run ends with that error.
 */
final class Outage {
    private static final long FIRST_PAUSE_MS = 200;
    private static final long MAX_PAUSE_MS = 5_000;

    private final RunListener listener;
    private final Clock clock;
    private final boolean ridesOut;
    private final Duration lease;
    private final BooleanSupplier stopping;
    private final Runnable stopRun;
    private final RunStats stats;
    private volatile boolean down;
    private long since;
    private volatile LedgerException stoppedBy;

    /**
     * @param ridesOut    true for a pool member: retry instead of failing the run
     * @param lease       how long a stopping member still retries a call about a split before it gives up
     * @param stopRun     ends the run (its claimers and coordinator) when a ledger error stops it
     * @param stats       where the time of answered calls adds up (the run's ledger share), and the failed calls
     */
    Outage(
            RunListener listener,
            Clock clock,
            boolean ridesOut,
            Duration lease,
            BooleanSupplier stopping,
            Runnable stopRun,
            RunStats stats) {
        this.listener = listener;
        this.clock = clock;
        this.ridesOut = ridesOut;
        this.lease = lease;
        this.stopping = stopping;
        this.stopRun = stopRun;
        this.stats = stats;
    }

    /** True for a pool member, which retries; a plain run stops instead. */
    boolean ridesOut() {
        return ridesOut;
    }

    /**
     * A call failed: a member records the outage and carries on; a plain run, or a member refused, gets the error back
     * and the run stops.
     */
    void survive(LedgerException e) {
        if (!ridesOut || e instanceof LedgerRefusedException) throw stop(e);
        failed(e);
    }

    /**
     * A call of a caller that throws nothing (a beat) failed: a member records the outage; a refusal stops the run. A
     * plain run's caller reports the failure itself.
     */
    synchronized void failed(LedgerException e) {
        stats.ledgerFailures.incrementAndGet();
        if (e instanceof LedgerRefusedException) {
            stop(e);
            return;
        }
        if (down || !ridesOut) return;
        down = true;
        stats.ledgerDown.set(true);
        since = clock.millis();
        listener.info("ledger unreachable; claiming nothing until it answers again, retrying with backoff (up to "
                + MAX_PAUSE_MS / 1000 + "s): " + e.getMessage());
    }

    /** Stops the run because of {@code e}; the first such error is the one the run ends with. */
    private LedgerException stop(LedgerException e) {
        synchronized (this) {
            if (stoppedBy == null) stoppedBy = e;
        }
        stopRun.run();
        return e;
    }

    /** Throws the ledger error that stopped the run, if one did: the run ends with it, after its workers stopped. */
    void throwIfStopped() {
        LedgerException e = stoppedBy;
        if (e != null) throw e;
    }

    void answered() {
        if (!down) return; // the usual case: no lock
        synchronized (this) {
            if (!down) return;
            down = false;
            stats.ledgerDown.set(false);
            listener.info("ledger reachable again after " + (clock.millis() - since) / 1000 + "s; claiming again");
        }
    }

    /** A call to the ledger; {@code E} is what it throws besides a {@link LedgerException}. */
    @FunctionalInterface
    interface LedgerCall<T, E extends Exception> {
        T call() throws E;
    }

    /**
     * A ledger call about a split in flight. A pool member retries it with backoff while the ledger is unreachable:
     * the split's work is done and only waits to be recorded. While stopping it gives up after one lease; the split
     * then runs again elsewhere, which the sink's replace-on-replay makes harmless.
     */
    <T, E extends Exception> T patiently(LedgerCall<T, E> call) throws E {
        long firstFailure = -1;
        for (int failures = 1; ; failures++) {
            long start = System.nanoTime();
            try {
                T result = call.call();
                stats.ledgerNanos.addAndGet(System.nanoTime() - start);
                answered();
                return result;
            } catch (LedgerException e) {
                survive(e);
                if (firstFailure < 0) firstFailure = clock.millis();
                if (stopping.getAsBoolean() && clock.millis() - firstFailure > lease.toMillis()) throw e;
                sleep(pause(failures));
            }
        }
    }

    /**
     * A ledger call of a split's commit that names no claim (taking or checking an output lock): a pool member rides an
     * outage out as {@link #patiently} does, rather than fail an attempt for it; a plain run calls once, and a failure
     * fails its caller.
     */
    <T> T duringCommit(Supplier<T> call) {
        return ridesOut ? patiently(call::get) : call.get();
    }

    /** Doubles from 200 ms up to 5 s: a pool of workers does not hammer a ledger that is coming back. */
    static long pause(int failures) {
        return Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS << Math.min(Math.max(failures - 1, 0), 5));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
