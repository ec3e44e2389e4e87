package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.LedgerException;
import io.sluice.spi.ledger.Claims;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A worker thread's loop: claims the oldest claimable split and hands it to the per-split path, until the run stops.
 * With nothing to claim, a worker waits longer each time (up to {@link #IDLE_MAX_MS}), so an idle watch run costs next
 * to nothing; a plan that registers splits wakes it ({@link StopPolicy#wake}).
 */
final class ClaimLoop {
    private static final long IDLE_POLL_MS = 100;
    private static final long IDLE_MAX_MS = 1000;

    private final Claims claims;
    private final String owner;
    private final Duration lease;
    private final StopPolicy stop;
    private final Outage outage;
    private final RunStats stats;
    /** Workers asking the ledger for a split right now: a split they got is claimed before it is in flight. */
    private final AtomicInteger claiming = new AtomicInteger();

    ClaimLoop(Claims claims, String owner, Duration lease, StopPolicy stop, Outage outage, RunStats stats) {
        this.claims = claims;
        this.owner = owner;
        this.lease = lease;
        this.stop = stop;
        this.outage = outage;
        this.stats = stats;
    }

    /** True while some worker asks the ledger for a split, or holds one it has not counted in flight yet. */
    boolean claiming() {
        return claiming.get() > 0;
    }

    /** Claims splits and runs {@code execute} on each (counted in flight before it is called) until the run stops. */
    void run(Consumer<Claim> execute) throws InterruptedException {
        long idle = IDLE_POLL_MS;
        int failures = 0;
        while (!stop.stopping()) {
            Optional<Claim> claim;
            long asked = System.nanoTime();
            claiming.incrementAndGet();
            try {
                claim = claims.claim(owner, lease);
                outage.answered();
                failures = 0;
            } catch (LedgerException e) {
                claiming.decrementAndGet();
                outage.survive(e);
                Outage.sleep(Outage.pause(++failures));
                continue;
            }
            if (claim.isEmpty()) {
                claiming.decrementAndGet();
                stop.nudge(); // after a split a worker claims again: an empty claim is where a run may be over
                stop.idle(idle);
                idle = Math.min(idle * 2, IDLE_MAX_MS);
                continue;
            }
            idle = IDLE_POLL_MS;
            long claimed = System.nanoTime();
            stats.inFlight.incrementAndGet(); // first: a split is always counted as being claimed or in flight
            stats.claimed.incrementAndGet();
            claiming.decrementAndGet();
            execute.accept(claim.get());
            stats.ledgerNanos.addAndGet(claimed - asked);
            stats.splitEnded(System.nanoTime() - asked);
        }
    }
}
