package io.sluice.runner;

import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.ledger.Claims;
import io.sluice.spi.ledger.LedgerAdmin;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ends at once the leases of claims whose holder is a process of this machine that is gone ({@link Lease#holderGone}), so
 * they are claimed again now rather than after their lease. A holder it cannot see (another machine, an id without a
 * start time) keeps its claim until the lease runs out.
 */
final class Takeover {
    /** Claims looked at per check for holders that are gone. */
    private static final int SCAN = 1000;

    private final Claims claims;
    private final LedgerAdmin admin;
    private final String owner;
    private final Clock clock;
    private final RunListener listener;
    private final Runnable freed;

    /** @param freed called when some split became claimable: wakes idle claimers */
    Takeover(Claims claims, LedgerAdmin admin, String owner, Clock clock, RunListener listener, Runnable freed) {
        this.claims = claims;
        this.admin = admin;
        this.owner = owner;
        this.clock = clock;
        this.listener = listener;
        this.freed = freed;
    }

    /** @return the live claims of other processes that are left */
    List<SplitInfo> freeGone() {
        Instant now = clock.instant();
        Map<String, Boolean> gone = new HashMap<>();
        List<SplitInfo> others = new ArrayList<>();
        boolean any = false;
        for (SplitInfo s : admin.splits(EnumSet.of(SplitState.CLAIMED), SCAN)) {
            if (owner.equals(s.owner()) || !new Lease(s.owner(), s.leaseUntil()).runs(now)) continue;
            // Lease#live with the holder's verdict looked up once per holder: one holds many claims
            boolean holderGone = gone.computeIfAbsent(s.owner(), Lease::holderGone);
            if (holderGone && claims.expire(s.id(), s.token())) {
                any = true;
                listener.info("split " + s.id() + " was claimed by " + s.owner() + ", a process of this machine that "
                        + "is gone: taken over now, not after its lease (" + s.leaseUntil() + ")");
            } else if (!holderGone) {
                others.add(s);
            }
        }
        if (any) freed.run();
        return others;
    }
}
