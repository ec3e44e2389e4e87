package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.LedgerException;
import io.sluice.spi.ledger.Claims;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the claims this process holds alive: every third of the lease it renews each one, so a claim outlives any
 * pause shorter than two thirds of a lease. A claim the ledger no longer renews (its lease ran out and another worker
 * took the split over) is lost: {@link #lost} says so, and the sink's fence check refuses its commit (rule 2).
 */
final class Heartbeats implements AutoCloseable {
    private static final Duration MIN_EVERY = Duration.ofMillis(200);

    private final Claims claims;
    private final Duration lease;
    private final RunListener listener;
    private final Outage outage;
    private final Map<String, Claim> held = new ConcurrentHashMap<>();
    /**
     * The claims a beat found taken over, each whole (its token with it): a refused beat of an ended claim names no later
     * claim of its split.
     */
    private final Set<Claim> lost = ConcurrentHashMap.newKeySet();

    private Periodic periodic;

    Heartbeats(Claims claims, Duration lease, RunListener listener, Outage outage) {
        this.claims = claims;
        this.lease = lease;
        this.listener = listener;
        this.outage = outage;
    }

    /** A third of the lease (at least 200 ms): two beats may fail before a lease runs out. */
    static Duration everyThirdOf(Duration lease) {
        Duration third = lease.dividedBy(3);
        return third.compareTo(MIN_EVERY) < 0 ? MIN_EVERY : third;
    }

    /** Beats every third of the lease from now on, until closed. */
    Heartbeats start() {
        return start(everyThirdOf(lease));
    }

    /** Beats every {@code every} (tests beat faster than a third of a long lease) until closed. */
    synchronized Heartbeats start(Duration every) {
        if (periodic != null) throw new IllegalStateException("heartbeats already started");
        periodic = Periodic.start("sluice-heartbeat", every, this::beat, e -> listener.info("heartbeat failed: " + e));
        return this;
    }

    /** From now on renews this claim's lease, until {@link #drop}. */
    void hold(Claim claim) {
        held.put(claim.splitId(), claim);
    }

    /** The split's work ended (recorded, failed or given up): nothing to renew or remember about it any more. */
    void drop(Claim claim) {
        held.remove(claim.splitId(), claim);
        lost.remove(claim);
    }

    /** True once a beat found that this claim was taken over: its holder must not commit. */
    boolean lost(Claim claim) {
        return lost.contains(claim);
    }

    /** The claims held now. */
    Collection<Claim> held() {
        return List.copyOf(held.values());
    }

    /**
     * Gives every claim held now back to the ledger (a second Ctrl-C), each on its own: one the ledger does not take
     * back (it is unreachable) does not keep the others.
     *
     * @return the splits not given back, each with the ledger's error: they wait until their lease runs out
     */
    List<String> releaseAll() {
        List<String> kept = new ArrayList<>();
        for (Claim c : held()) {
            try {
                claims.release(c);
            } catch (RuntimeException e) {
                kept.add(c.splitId() + " (" + e.getMessage() + ")");
            }
        }
        return kept;
    }

    /** Renews every claim held now; one that the ledger refuses is lost from then on. */
    void beat() {
        for (Claim c : held.values()) {
            try {
                // not reported here: a claim completed a moment ago is refused too; the fence check reports the stale
                // one
                if (!claims.heartbeat(c, lease)) markLost(c);
            } catch (LedgerException e) {
                outage.failed(e);
                if (!outage.ridesOut()) listener.info("heartbeat for " + c.splitId() + " failed: " + e.getMessage());
            } catch (RuntimeException e) {
                listener.info("heartbeat for " + c.splitId() + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * Remembers a claim the ledger refused to renew, unless its split's work ended meanwhile ({@link #drop} came first):
     * then nothing would ever forget it.
     */
    private void markLost(Claim c) {
        lost.add(c);
        if (held.get(c.splitId()) != c) lost.remove(c);
    }

    @Override
    public synchronized void close() {
        if (periodic != null) periodic.close();
        periodic = null;
    }
}
