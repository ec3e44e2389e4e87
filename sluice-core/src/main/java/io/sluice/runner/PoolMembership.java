package io.sluice.runner;

import io.sluice.spi.LedgerException;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.ledger.WorkerPool;
import java.time.Duration;

/**
 * This process as a member of a worker pool: it announces itself in the ledger every third of a lease, takes or keeps
 * the pipeline's leader lease at each beat, and retires when it stops. The leader lease is as long as a split's: a
 * leader that died is replaced within one lease, like a worker that died; one that retires frees it at once.
 */
final class PoolMembership implements AutoCloseable {
    /** A worker that stopped announcing itself is forgotten after this many leases. */
    private static final int WORKER_TTL_LEASES = 10;

    private final WorkerPool pool;
    private final WorkerInfo self;
    private final Duration lease;
    private final RunListener listener;
    private final Outage outage;
    private volatile boolean leading;
    private Periodic periodic;

    PoolMembership(WorkerPool pool, WorkerInfo self, Duration lease, RunListener listener, Outage outage) {
        this.pool = pool;
        this.self = self;
        this.lease = lease;
        this.listener = listener;
        this.outage = outage;
    }

    /** Announces this member now, then every third of the lease until {@link #close}. */
    PoolMembership join() {
        return join(Heartbeats.everyThirdOf(lease));
    }

    /** Announces this member now, then every {@code every} (tests beat faster than a third of a long lease). */
    synchronized PoolMembership join(Duration every) {
        if (periodic != null) throw new IllegalStateException("already joined");
        beat();
        periodic = Periodic.start("sluice-member", every, this::beat, e -> listener.info("pool beat failed: " + e));
        return this;
    }

    /** True while this member holds the leader lease: only then does it list the source. */
    boolean leading() {
        return leading;
    }

    /** Tells the ledger this member is alive and takes or keeps the leader lease; an outage loses the lead. */
    void beat() {
        try {
            pool.announce(self, lease.multipliedBy(WORKER_TTL_LEASES));
            boolean was = leading;
            leading = pool.lead(self.id(), lease);
            outage.answered();
            if (leading && !was) listener.info("leading the pool: this worker lists the source for all");
            if (was && !leading) listener.info("another worker leads the pool now; this one only claims");
        } catch (LedgerException e) {
            leading = false;
            outage.failed(e);
        } catch (RuntimeException e) {
            leading = false; // not sure to hold the lead any more: list nothing until a beat takes it again
            throw e;
        }
    }

    /** Stops beating, leaves the ledger's list of workers and frees the leader lease for the others at once. */
    @Override
    public synchronized void close() {
        if (periodic != null) periodic.close();
        periodic = null;
        leading = false;
        try {
            pool.retire(self.id());
        } catch (LedgerException e) {
            listener.info("could not leave the pool in the ledger (the entry expires by itself): " + e.getMessage());
        }
    }
}
