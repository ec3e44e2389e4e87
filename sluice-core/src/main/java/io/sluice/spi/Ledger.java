package io.sluice.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The durable record of every split of one pipeline. Implementations must be safe for many threads and, where
 * the backend is shared (a file, a server), for many processes: every method is atomic on its own.
 *
 * <p>The exactly-once contract rests here: a split is granted to one holder at a time (claim with lease and
 * fencing token), a stale holder cannot complete it, and {@code done} is recorded only by {@link #complete}.
 */
public interface Ledger extends AutoCloseable {

    // ---- planning -------------------------------------------------------------------------------------

    /** The latest registered version of each of these member keys; keys never registered are absent. */
    Map<String, KnownMember> known(Collection<String> keys);

    /** The member key that first registered this content digest, if any. */
    Optional<String> digestOwner(String sha256);

    /**
     * A registered split by id, with its members, payload and output key as registered (empty when unknown, or
     * forgotten by {@link #replace} or {@link #reset}).
     */
    Optional<Split> split(String splitId);

    /**
     * Registers new splits atomically. A split is skipped (not an error) when any of its members
     * (key, fingerprint, start) is already registered, or when a member's digest is already owned by another
     * key: that is how concurrent planners agree. Registering the same split twice is a no-op.
     *
     * @return the ids of the splits this call registered
     */
    List<String> register(List<Split> splits);

    /**
     * An id of this ledger's record of the pipeline: made at first use, and made anew after {@link #reset} or when
     * the store was lost (a deleted SQLite file, a Redis without persistence that restarted). Stable otherwise, and
     * the same for every process. Sinks use it to tell outputs of an earlier record (whose splits the ledger has
     * forgotten) from their own.
     */
    String incarnation();

    // ---- work -----------------------------------------------------------------------------------------

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

    /** Marks the split done with its result. Refused when the claim's token is stale. */
    void complete(Claim claim, Completion completion) throws StaleClaimException;

    /**
     * Records a failed attempt. With {@code retryAt} present the split becomes {@code failed} and claimable again
     * from then; with it empty the split is {@code dead}.
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
     * are forgotten, then the replacements are registered by the rules of {@link #register} (their members may be
     * exactly the forgotten split's members: same key, fingerprint and start). Content digests stay owned by the
     * keys that own them. A pack with one unreadable file is replaced by a pack of the good files and the bad file
     * alone.
     *
     * @return the ids of the replacements registered
     * @throws StaleClaimException when the claim is stale; then nothing changes
     */
    List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException;

    // ---- output locks ---------------------------------------------------------------------------------

    /**
     * Takes the named lock for {@code owner} until now + {@code lease} (by the ledger's clock): granted when nobody
     * holds it, when its holder's lease ran out, or when {@code owner} holds it already (then renewed: the same
     * grant, its lease extended, as long as nobody else took it meanwhile). Each grant to a new holder gets a
     * fencing token greater than any earlier token of that lock, even across {@link #reset}. A sink that replaces
     * the output of an earlier version of an input commits under the lock of that output, so the lock holds across
     * machines. An owner names one holder: two holders sharing an owner would share the lock.
     *
     * @return the grant, or empty while another owner's lease runs
     */
    Optional<Lock> lock(String name, String owner, Duration lease);

    /** True while this grant is the lock's current one and its lease has not run out (by the ledger's clock). */
    boolean holds(Lock lock);

    /** Releases the lock at once if this grant still holds it (its lease run out or not); otherwise does nothing. */
    void unlock(Lock lock);

    /** One grant of a lock: {@code token} tells it from every other grant of the lock. */
    record Lock(String name, String owner, long token) {
        public Lock {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(owner, "owner");
        }
    }

    // ---- status and operations ------------------------------------------------------------------------

    /** Number of splits in each state (states with none may be absent). */
    Map<SplitState, Long> counts();

    /** Splits in the given states, oldest first, at most {@code limit}. */
    List<SplitInfo> splits(Set<SplitState> states, int limit);

    /** Sends failed or dead splits back to pending with their attempts reset; all of them when ids is empty. */
    int retry(Collection<String> splitIds);

    /**
     * Done splits counted by the pipeline version that made them ({@link Completion#pipelineVersion}; "" for splits
     * done before versions were recorded).
     */
    Map<String, Long> doneByVersion();

    /**
     * Sends every done split made by a version other than {@code current} back to pending, attempts reset, so it is
     * processed again and its output replaced. Its recorded result (rows, outputs, version) is dropped with it.
     *
     * @return how many splits went back
     */
    int requeueOutdated(String current);

    /** Totals over the done splits: rows in, rows out, bad records, and when the last one was done. */
    Totals totals();

    /**
     * Forgets everything this ledger holds for the pipeline, its {@link #incarnation} and output locks included.
     * Tokens are never handed out again: a claim or lock from before stays fenced.
     */
    void reset();

    // ---- worker pools -----------------------------------------------------------------------------------

    /**
     * Records that this worker is alive: creates or replaces its entry and stamps it with the ledger's time. A
     * worker calls it from its heartbeat loop; an entry not announced again within {@code ttl} may be forgotten.
     */
    void announce(WorkerInfo self, Duration ttl);

    /**
     * The workers that announced themselves within {@code seenWithin} (by the ledger's time), ordered by id, each
     * with the live claims it holds and whether it leads. Claims of workers that never announced are not listed.
     */
    List<WorkerStatus> workers(Duration seenWithin);

    /** Forgets a worker (its clean shutdown) and gives up its leader lease, if it held it. Unknown ids are ignored. */
    void retire(String workerId);

    /**
     * Takes or renews the pipeline's leader lease: granted when nobody holds it, when its lease expired, or when this
     * worker holds it already (then extended to now + {@code lease}). Only the leader lists the source in a worker
     * pool, so a large folder or bucket is listed once per interval, not once per worker.
     *
     * <p>Leadership saves work; it guards nothing: {@link #register} stays safe for concurrent planners, so a leader
     * that lost its lease while it was listing does no harm when it registers late.
     *
     * @return true when this worker leads until now + lease
     */
    boolean lead(String workerId, Duration lease);

    @Override
    void close();
}
