package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.ledger.Claims;
import io.sluice.spi.ledger.PlanStore;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Claims one named split and runs it once through the runner's per-split path: what the pod of a one-split
 * Kubernetes Job does ({@code sluice run PIPELINE --split ID}, {@link LocalRunner#runSplit}). The claim is the same as
 * a claim loop's (lease, heartbeats, a fencing token greater than any earlier one of the split), so a split held by a
 * live claim of another owner is refused, and a claim taken over meanwhile cannot commit (rule 2). The ledger, not the
 * caller, decides whether the split is claimable.
 */
public final class SplitExecution {
    /** Exit code of a split that could not be claimed now: done, dead, held by another live claim, or waiting for its retry. */
    public static final int NOT_CLAIMABLE = 4;

    /** How the execution of a named split ended. */
    public enum Outcome {
        /** Processed, committed and recorded done. */
        DONE,
        /** The attempt failed and was recorded; the split is claimable again at its retry time. */
        FAILED,
        /** The attempt failed and the split is dead (no retries left, or an error that repeats). */
        DEAD,
        /**
         * Some of its inputs failed alone: it was replaced by a split of the readable ones and one per unreadable one,
         * which run as splits of their own.
         */
        DIVIDED,
        /** Claimed, but its claim was taken over before it was recorded: another holder's work decides. */
        STALE,
        /** Not claimed: the ledger does not hold it as claimable now. */
        NOT_CLAIMABLE,
        /** The ledger knows no split with this id. */
        UNKNOWN
    }

    /**
     * @param message what happened, naming the split, for the log and the exit
     */
    public record Result(String splitId, Outcome outcome, String message) {
        public Result {
            Objects.requireNonNull(splitId, "splitId");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(message, "message");
        }

        /** 0 done (or divided); 1 failed or dead (the ledger keeps the error); 2 unknown split; 4 not claimable or taken over. */
        public int exitCode() {
            return switch (outcome) {
                case DONE, DIVIDED -> RunSummary.OK;
                case FAILED, DEAD -> RunSummary.SOME_DEAD;
                case UNKNOWN -> RunSummary.INVALID;
                case STALE, NOT_CLAIMABLE -> NOT_CLAIMABLE;
            };
        }
    }

    private final Claims claims;
    private final PlanStore plans;
    private final String owner;
    private final Duration lease;
    private final RunStats stats;

    /** @param stats the run's counters, which the per-split path updates: they tell how the split ended */
    SplitExecution(Claims claims, PlanStore plans, String owner, Duration lease, RunStats stats) {
        this.claims = claims;
        this.plans = plans;
        this.owner = owner;
        this.lease = lease;
        this.stats = stats;
    }

    /**
     * Claims {@code splitId} for this owner and, when granted, runs {@code perSplit} on the claim (counted in flight
     * first, as the claim loop does). The per-split path records the split's end in the ledger itself.
     */
    Result run(String splitId, Consumer<Claim> perSplit) {
        Optional<Claim> claim = claims.claim(splitId, owner, lease);
        if (claim.isEmpty()) {
            if (plans.split(splitId).isEmpty()) {
                return new Result(
                        splitId,
                        Outcome.UNKNOWN,
                        "split " + splitId + " is not in the ledger: unknown, or "
                                + "forgotten by a reset; `sluice status --all` lists the splits");
            }
            return new Result(
                    splitId,
                    Outcome.NOT_CLAIMABLE,
                    "split " + splitId + " is not claimable now: done, dead, "
                            + "held by another live claim, or waiting for its retry time; `sluice status --all` says which");
        }
        long done = stats.splitsDone();
        long failed = stats.attemptsFailed();
        long dead = stats.splitsDead();
        int divided = stats.divided.size();
        stats.inFlight.incrementAndGet();
        stats.claimed.incrementAndGet();
        perSplit.accept(claim.get());
        Claim c = claim.get();
        String attempt = "split " + splitId + " (attempt " + c.attempt() + ", token " + c.token() + ")";
        if (stats.splitsDone() > done) return new Result(splitId, Outcome.DONE, attempt + " done");
        if (stats.splitsDead() > dead)
            return new Result(
                    splitId, Outcome.DEAD, attempt + " failed and is dead: " + "`sluice status` shows its error");
        if (stats.attemptsFailed() > failed)
            return new Result(
                    splitId,
                    Outcome.FAILED,
                    attempt + " failed; it is " + "claimable again at its retry time: `sluice status` shows its error");
        if (stats.divided.size() > divided) return new Result(splitId, Outcome.DIVIDED, stats.divided.getLast());
        return new Result(
                splitId,
                Outcome.STALE,
                attempt + " was not recorded: its claim was taken over (or the "
                        + "ledger could not be reached); the holder of the newer claim decides");
    }
}
