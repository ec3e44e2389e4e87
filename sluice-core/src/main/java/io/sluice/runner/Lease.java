package io.sluice.runner;

import java.time.Instant;

/**
 * Who holds a claim (or a lock, or a worker's place in its pool) and until when; the one rule for whether a live worker
 * holds it ({@link #live}): the lease runs past now and the holder is not a process of this machine that is gone. A
 * holder no one can see end (another machine's process, an id without a start time) counts as live until its lease
 * runs out.
 *
 * @param holder the holder's id ({@link OwnerId} when Sluice made it), or null for none
 * @param until  when the lease runs out, or null for none (then it holds nothing)
 */
public record Lease(String holder, Instant until) {
    /** Held by a live worker now: the lease runs and its holder is not gone. */
    public boolean live(Instant now) {
        return runs(now) && !holderGone();
    }

    /** The lease runs past now: at its very end it has run out, as the ledger sees it (the split is claimable). */
    public boolean runs(Instant now) {
        return until != null && until.isAfter(now);
    }

    /** The holder is a process of this machine that no longer runs ({@link OwnerId#gone}). */
    public boolean holderGone() {
        return holderGone(holder);
    }

    /**
     * Whether this holder id names a process of this machine that no longer runs; false for one that runs, for another
     * machine's and for an id that says too little to tell (not one Sluice made, or null).
     */
    public static boolean holderGone(String holder) {
        return OwnerId.parse(holder).map(OwnerId::gone).orElse(false);
    }
}
