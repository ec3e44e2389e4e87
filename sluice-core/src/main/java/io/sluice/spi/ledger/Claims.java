package io.sluice.spi.ledger;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Leases on splits: a split is granted to one holder at a time, with a fencing token, and only the holder of the
 * current token records its end ({@link #complete}, {@link #fail}).
 */
public interface Claims {

    /**
     * Claims the oldest claimable split: pending, failed with its retry time passed, or claimed with its lease
     * expired. Each grant gets a new fencing token greater than any earlier token of that split.
     */
    Optional<Claim> claim(String owner, Duration lease);

    /**
     * Claims the named split if it is claimable now (pending; failed with its retry time passed; claimed with its
     * lease expired), like {@link #claim(String, Duration)} does for the oldest, with a new fencing token greater
     * than any earlier one of the split. Empty when it is done, dead, held by a live lease, waiting for its retry
     * time, or unknown. (A Kubernetes Job processes one named split.)
     */
    Optional<Claim> claim(String splitId, String owner, Duration lease);

    /** Extends the lease. Returns false when the claim is stale (taken over, completed, or released). */
    boolean heartbeat(Claim claim, Duration lease);

    /** True while this claim holds the split's current token and its lease has not been taken over. */
    boolean isCurrent(Claim claim);

    /**
     * Marks the split done with its result. Refused when the claim's token is stale; accepted when this claim marked it
     * done already (the same call made again after its answer was lost: a connection reset after the commit went
     * through, which a pool member retries).
     */
    void complete(Claim claim, Completion completion) throws StaleClaimException;

    /**
     * Records a failed attempt. With {@code retryAt} present the split becomes {@code failed} and claimable again
     * from then; with it empty the split is {@code dead}. Refused when the claim's token is stale; accepted, like
     * {@link #complete}, when this claim recorded the same end already.
     */
    void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException;

    /** Gives the split back (pending) without counting an attempt, e.g. on shutdown. Stale claims are ignored. */
    void release(Claim claim);

    /**
     * Ends the lease of the split's claim with this token at once, when its holder is known to be gone (a process
     * on this host that no longer exists): the split becomes claimable as if its lease had run out, and a takeover
     * counts an attempt as usual. Until someone takes it over, the claim stays current, as any expired claim does.
     *
     * @return false when that token is no longer the split's current claim (nothing changed)
     */
    boolean expire(String splitId, long token);

    /**
     * Replaces a claimed split by others, atomically and only while the claim is current: the split and its members
     * are forgotten, then the replacements are registered by the rules of {@link PlanStore#register} (their members
     * may be exactly the forgotten split's members: same key, fingerprint and start). Content digests stay owned by
     * the keys that own them. A pack with one unreadable file is replaced by a pack of the good files and the bad
     * file alone.
     *
     * @return the ids of the replacements registered
     * @throws StaleClaimException when the claim is stale; then nothing changes
     */
    List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException;
}
