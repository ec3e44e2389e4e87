package io.sluice.runner;

import io.sluice.pipeline.CronSchedule;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.ledger.LedgerAdmin;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * When a run plans again and when it ends. A {@code watch} run (and every pool member) plans each interval, or at
 * the times of {@code run.schedule} when it has one (not at its start then: the first plan waits for the schedule), and ends
 * only when asked ({@link #requestStop}: Ctrl-C, SIGTERM). A {@code once} run ends when nothing is left that it could
 * claim: no split pending, failed (waiting for a retry) or claimed, none in its own hands. It waits for inputs that are
 * still being written to settle (so does a scheduled watch at each of its times), but not forever
 * ({@link SettlePatience}). Idle claimers wait on this policy
 * ({@link #idle}); new splits and a stop wake them. The coordinator waits on it too ({@link #awaitTurn}); workers
 * nudge it when they find nothing to claim (as they do after their last split).
 */
final class StopPolicy {
    /** How often a run waiting for other processes' claims looks whether their holders are gone. */
    private static final long TAKEOVER_CHECK_MS = 1000;

    private static final long NEVER = Long.MAX_VALUE;

    private final boolean watch;
    private final Duration interval;
    private final Optional<CronSchedule> schedule;
    private final LedgerAdmin admin;
    private final Takeover takeover;
    private final Clock clock;
    private final RunListener listener;
    private final Object wake = new Object();
    private final Object turn = new Object();
    private boolean nudged; // guarded by turn
    private volatile boolean stopping;
    private volatile boolean interrupted;
    // the coordinating thread's alone
    private final SettlePatience settling = new SettlePatience();
    private long nextPlan;
    private long nextTakeoverCheck;
    private boolean reportedWaiting;

    StopPolicy(
            boolean watch,
            Duration interval,
            Optional<CronSchedule> schedule,
            LedgerAdmin admin,
            Takeover takeover,
            Clock clock,
            RunListener listener) {
        this.watch = watch;
        this.interval = Objects.requireNonNull(interval, "interval");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.admin = admin;
        this.takeover = takeover;
        this.clock = clock;
        this.listener = listener;
    }

    boolean watching() {
        return watch;
    }

    /** Whether the run lists the source as it starts: not a watching run with a schedule, which waits for its time. */
    boolean plansAtStart() {
        return !watch || schedule.isEmpty();
    }

    /** Stop claiming (a signal): splits in flight finish and commit, and the run reports itself interrupted. */
    void requestStop() {
        interrupted = true;
        stop();
    }

    /** The run is over: claimers leave their loops, and the coordinator's wait ends. */
    void stop() {
        stopping = true;
        wake();
        nudge();
    }

    boolean stopping() {
        return stopping;
    }

    boolean interrupted() {
        return interrupted;
    }

    /** Something new to claim (splits registered, a claim freed): idle claimers look at once. */
    void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** An idle claimer waits up to {@code millis}, or until woken or stopped. */
    void idle(long millis) throws InterruptedException {
        synchronized (wake) {
            if (!stopping) wake.wait(millis);
        }
    }

    /**
     * A worker's state changed (a claim came back empty, which follows every split; a worker stopped), or the run was
     * asked to stop: the coordinator looks at once whether the run is over, instead of at its next turn (up to 100 ms
     * after a once run's last split, a tenth of a small incremental run).
     */
    void nudge() {
        synchronized (turn) {
            nudged = true;
            turn.notifyAll();
        }
    }

    /** The coordinator waits up to {@code millis} for its next turn, or until nudged since its last turn. */
    void awaitTurn(long millis) throws InterruptedException {
        synchronized (turn) {
            if (!nudged) turn.wait(millis);
            nudged = false;
        }
    }

    /** Whether it is time to list the source again. */
    boolean planDue() {
        return clock.millis() >= nextPlan;
    }

    /**
     * A plan is over, with {@code waiting} inputs still being written that asked for up to {@code settleMillis}: when
     * to plan again (never, for a done once run). A {@code once} run, and a scheduled watch at each of its times, looks
     * again shortly for them ({@link SettlePatience}); an interval watch sees them at its next interval.
     */
    void planned(long waiting, long settleMillis) {
        long now = clock.millis();
        if (!watch || schedule.isPresent()) {
            OptionalLong again = settling.again(now, waiting, settleMillis, listener);
            if (again.isPresent()) {
                nextPlan = again.getAsLong();
                return;
            }
        }
        if (watch && schedule.isPresent()) {
            nextPlan = schedule.get().next(clock.instant()).toEpochMilli();
            listener.info("next run at " + schedule.get().nextRun(clock.instant()));
        } else if (watch) nextPlan = now + interval.toMillis();
        else nextPlan = NEVER;
    }

    /**
     * A plan that was due failed (the ledger did not answer): planned again at the next interval, also with a schedule
     * (a daily run is not put off to the next day by an outage).
     */
    void planFailed() {
        if (planDue()) nextPlan = clock.millis() + interval.toMillis();
    }

    /**
     * True when a {@code once} run is finished: it plans no more, claims or runs nothing ({@code busy} false) and the
     * ledger has no split pending, failed or claimed. Splits claimed by other processes are waited for: those of a
     * process on this machine that is gone are taken over at once; if another machine's process crashed, its lease
     * expires and this run takes the split over then. Always false for a watching run.
     */
    boolean finished(BooleanSupplier busy) {
        if (watch || nextPlan != NEVER || busy.getAsBoolean()) return false;
        Map<SplitState, Long> counts = admin.counts();
        long open = counts.getOrDefault(SplitState.PENDING, 0L) + counts.getOrDefault(SplitState.FAILED, 0L);
        long held = counts.getOrDefault(SplitState.CLAIMED, 0L);
        if (open == 0 && held > 0 && clock.millis() >= nextTakeoverCheck) {
            nextTakeoverCheck = clock.millis() + TAKEOVER_CHECK_MS;
            List<SplitInfo> others = takeover.freeGone();
            if (!others.isEmpty() && !reportedWaiting) {
                reportedWaiting = true;
                Instant until = others.stream()
                        .map(SplitInfo::leaseUntil)
                        .filter(Objects::nonNull)
                        .max(Instant::compareTo)
                        .orElse(clock.instant());
                listener.info("waiting for " + others.size() + " split(s) claimed by other processes, running or "
                        + "beyond this machine's sight (another machine, an id without a start time); if they crashed, "
                        + "their leases expire by " + until + " and this run takes the splits over");
            }
        }
        return open == 0 && held == 0;
    }
}
