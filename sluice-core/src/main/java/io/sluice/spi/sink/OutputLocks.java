package io.sluice.spi.sink;

import java.io.IOException;
import java.util.Optional;

/**
 * Named locks held in the ledger (a lease with a fencing token), so that they hold across processes and machines, not
 * only on one: a sink takes one around the replacement of an output. While held, the lock's lease is renewed in the
 * background; a holder paused past its lease loses it, and {@link Held#check} says so before each step that changes
 * what readers see.
 */
public interface OutputLocks {

    /**
     * Takes the lock, waiting while another holder has it (up to about a minute, then an {@link IOException} that
     * says so: the split is tried again).
     */
    Held lock(String name) throws IOException;

    /** Takes the lock when nobody holds it; empty at once otherwise. */
    Optional<Held> tryLock(String name) throws IOException;

    /** A lock this process holds until closed. */
    interface Held extends AutoCloseable {
        /** The grant's fencing token: greater than any earlier grant's of this lock. */
        long token();

        /** Throws when the lease was lost (this process was paused past it, or the ledger could not be reached). */
        void check() throws IOException;

        /** Releases the lock. */
        @Override
        void close() throws IOException;
    }
}
