package io.sluice.runner;

import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerException;
import io.sluice.spi.sink.OutputLocks;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Locks held in the ledger ({@link Ledger#lock}), so that a commit's lock holds across processes and machines. Each
 * grant has an owner of its own (the ledger treats one owner as one holder), and a virtual thread renews its lease
 * every third of it while it is held. A grant of a process of this machine that is gone is released at once.
 */
public final class LedgerLocks implements OutputLocks {
    /** A commit holds a lock for a few writes; one held much longer is a paused holder, waited for no longer. */
    static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * The longest lease a grant gets, whatever the claims' lease: half the wait, so that a commit waiting for the lock of
     * a holder that crashed on another machine (which no one can tell is gone) gets it within its wait instead of
     * failing and being retried until the claims' lease (an hour, say) ran out.
     */
    static final Duration MAX_LEASE = WAIT.dividedBy(2);

    /** How often a waiting lock looks whether its holder is gone. */
    private static final Duration HOLDER_CHECK = Duration.ofSeconds(1);

    private final Ledger ledger;
    private final String owner;
    private final Duration lease;
    private final Patience patience;

    /** How a commit's call to take or check its lock is made: once, or retried while the ledger is unreachable. */
    @FunctionalInterface
    interface Patience {
        <T> T call(Supplier<T> call);
    }

    /**
     * Locks whose calls are made once: a ledger that does not answer fails the commit at once.
     *
     * @param owner names this process in the ledger's locks (each grant adds a suffix of its own)
     * @param lease how long a grant lasts unless renewed (at most {@link #MAX_LEASE}): a holder paused longer loses it
     */
    public LedgerLocks(Ledger ledger, String owner, Duration lease) {
        this(ledger, owner, lease, Supplier::get);
    }

    /** @param patience how taking and checking a lock call the ledger: a pool member rides an outage out there too */
    LedgerLocks(Ledger ledger, String owner, Duration lease, Patience patience) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.lease = Objects.requireNonNull(lease, "lease").compareTo(MAX_LEASE) > 0 ? MAX_LEASE : lease;
        this.patience = Objects.requireNonNull(patience, "patience");
    }

    @Override
    public Held lock(String name) throws IOException {
        return acquire(
                        name,
                        held -> false,
                        WAIT,
                        "is a process paused (SIGSTOP, a frozen machine)? Its lease ends "
                                + "it; the split is tried again")
                .orElseThrow();
    }

    /**
     * Takes the lock for work that a newer holder does for the caller too: a merge lists the done splits once it holds
     * the lock, so a merge granted after the caller's splits were done counts them. Waits while the lock is held by
     * the grant that held it then ({@code before}), or by one that may be older (a paused holder that renewed); a
     * paused holder loses its grant within its lease, a live one renews it.
     *
     * @param before the token of the grant that held the lock once the caller's work was ready ({@link #holderToken});
     *               empty when nobody held it: then no holder is known to be newer, and the caller waits for any
     * @param wait   how long to wait for the lock
     * @return empty when a grant newer than {@code before} holds the lock: its holder does the work
     * @throws Busy when the lock stayed held by another grant for the whole wait
     */
    public Optional<Held> lockUnlessTakenAfter(String name, Optional<Long> before, Duration wait) throws IOException {
        return acquire(
                name,
                held -> before.isPresent() && held.token() > before.get(),
                wait,
                "its holder renews it, so it is at work");
    }

    /** The token of the grant holding the lock now; empty when nobody holds it. */
    public Optional<Long> holderToken(String name) throws IOException {
        try {
            return ledger.holder(name).map(Ledger.Lock::token);
        } catch (LedgerException e) {
            throw new IOException("cannot look at the lock " + name + " in the ledger: " + e.getMessage(), e);
        }
    }

    /** The lock stayed held by another grant for the whole wait. */
    public static final class Busy extends IOException {
        Busy(String message) {
            super(message);
        }
    }

    /**
     * Takes the lock, waiting up to {@code wait} while another holder has it; empty once a holder it sees is one
     * {@code enough} names.
     */
    private Optional<Held> acquire(
            String name, java.util.function.Predicate<Ledger.Lock> enough, Duration wait, String whenBusy)
            throws IOException {
        String holder = owner + "/" + UUID.randomUUID();
        long deadline = System.nanoTime() + wait.toNanos();
        long lookAtHolder = System.nanoTime();
        for (long pause = 5; ; pause = Math.min(pause * 2, 500)) {
            Optional<Ledger.Lock> granted = take(name, holder);
            if (granted.isPresent()) return Optional.of(new Grant(granted.get()));
            if (System.nanoTime() >= lookAtHolder) {
                lookAtHolder = System.nanoTime() + HOLDER_CHECK.toNanos();
                Optional<Ledger.Lock> held = holderOrEmpty(name);
                // a gone process's grant first: its holder does no work for anyone
                if (held.isPresent() && releasedFromGone(held.get())) continue;
                if (held.isPresent() && enough.test(held.get())) return Optional.empty();
            }
            if (System.nanoTime() >= deadline) {
                throw new Busy("the lock " + name + " in the ledger has been held by another worker for "
                        + wait.toSeconds() + " s; " + whenBusy);
            }
            try {
                Thread.sleep(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the lock " + name);
            }
        }
    }

    @Override
    public Optional<Held> tryLock(String name) throws IOException {
        String holder = owner + "/" + UUID.randomUUID();
        Optional<Ledger.Lock> granted = take(name, holder);
        if (granted.isEmpty() && holderOrEmpty(name).map(this::releasedFromGone).orElse(false))
            granted = take(name, holder);
        return granted.map(Grant::new);
    }

    /** The lock's holder now; empty when nobody holds it, or when the ledger cannot say (then waited for as any). */
    private Optional<Ledger.Lock> holderOrEmpty(String name) {
        try {
            return ledger.holder(name);
        } catch (LedgerException e) {
            return Optional.empty();
        }
    }

    /**
     * Releases the lock when its holder is a process of this machine that is gone ({@link Lease#holderGone}): a run killed
     * during a commit would otherwise hold it for its whole lease, and the next run's commit would wait that long. The
     * release names the holder's grant, so a grant taken meanwhile stays.
     */
    private boolean releasedFromGone(Ledger.Lock held) {
        if (!ofGoneProcess(held.owner())) return false;
        try {
            ledger.unlock(held);
            return true;
        } catch (LedgerException e) {
            return false; // not known now: waited for as any holder
        }
    }

    /** A grant's owner is its process's id, a slash and a suffix of the grant's own ({@link #lock}). */
    static boolean ofGoneProcess(String grantOwner) {
        int slash = grantOwner.lastIndexOf('/');
        return slash > 0 && Lease.holderGone(grantOwner.substring(0, slash));
    }

    private Optional<Ledger.Lock> take(String name, String holder) throws IOException {
        try {
            return patience.call(() -> ledger.lock(name, holder, lease));
        } catch (LedgerException e) {
            throw new IOException("cannot take the lock " + name + " in the ledger: " + e.getMessage(), e);
        }
    }

    /** A grant, renewed in the background until closed. */
    private final class Grant implements Held {
        private final Ledger.Lock lock;
        private final Thread renewer;
        private volatile boolean lost;
        private volatile boolean closed;

        Grant(Ledger.Lock lock) {
            this.lock = lock;
            this.renewer = Thread.ofVirtual().name("renew " + lock.name()).start(this::renew);
        }

        private void renew() {
            long every = Math.max(50, lease.toMillis() / 3);
            while (!closed) {
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return; // closed
                }
                if (closed) return;
                try {
                    Optional<Ledger.Lock> again = ledger.lock(lock.name(), lock.owner(), lease);
                    if (again.isEmpty() || again.get().token() != lock.token()) {
                        lost = true;
                        return;
                    }
                } catch (LedgerException e) {
                    // the ledger is unreachable: the lease may run out meanwhile, which check() finds out
                }
            }
        }

        @Override
        public long token() {
            return lock.token();
        }

        @Override
        public void check() throws IOException {
            boolean holds;
            try {
                holds = !lost && patience.call(() -> ledger.holds(lock));
            } catch (LedgerException e) {
                throw new IOException("cannot check the lock " + lock.name() + " in the ledger: " + e.getMessage(), e);
            }
            if (!holds) {
                throw new IOException("the lock " + lock.name() + " was lost (its lease of " + lease.toSeconds()
                        + " s ran out: was this process paused?) and another worker may hold it; nothing more is "
                        + "changed and the split is tried again");
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            renewer.interrupt();
            try {
                ledger.unlock(lock);
            } catch (LedgerException e) {
                // its lease ends it
            }
        }
    }
}
