package io.sluice.spi.ledger;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Named locks with a lease and a fencing token, held in the ledger so they hold across machines: a sink that replaces
 * the output of an earlier version of an input commits under the lock of that output.
 *
 * <p>Leases are measured by the calling worker's clock (the {@code Clock} its ledger handle was opened with), not the
 * ledger server's: a lease is written as the grantor's now + lease, and whether it ran out is judged by the clock of
 * whichever worker asks. So the workers' clocks must agree to well within a lease; the PostgreSQL, Redis and DynamoDB
 * ledgers refuse, when it opens them, a worker whose clock is more than {@code max_clock_skew} off the server's.
 */
public interface OutputLocks {

    /**
     * Takes the named lock for {@code owner} until now + {@code lease} (by the caller's clock): granted when nobody
     * holds it, when its holder's lease ran out, or when {@code owner} holds it already (then renewed: the same
     * grant, its lease extended, as long as nobody else took it meanwhile). Each grant to a new holder gets a
     * fencing token greater than any earlier token of that lock, even across {@link LedgerAdmin#reset}. An owner
     * names one holder: two holders sharing an owner would share the lock.
     *
     * @return the grant, or empty while another owner's lease runs
     */
    Optional<Lock> lock(String name, String owner, Duration lease);

    /**
     * The grant holding the lock now, its lease running (by the caller's clock); empty when nobody holds it. A holder
     * that is seen to be gone (a killed process of this machine) may then be released with {@link #unlock}, which
     * leaves any newer grant alone.
     */
    Optional<Lock> holder(String name);

    /** True while this grant is the lock's current one and its lease has not run out (by the caller's clock). */
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
}
