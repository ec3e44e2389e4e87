package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.sink.OutputLocks;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LedgerLocksTest {
    private static final Duration HOUR = Duration.ofHours(1);

    /** A run killed while it committed held its output's lock for an hour: the next run's commit had to wait that long. */
    @Test
    void aLockHeldByAKilledProcessOfThisMachineIsTakenAtOnce() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        Process killed = new ProcessBuilder("sleep", "600").start();
        String killedId = OwnerId.of(killed.pid()).orElseThrow().toString();
        Ledger.Lock stale = ledger.lock("out", killedId + "/grant-1", HOUR).orElseThrow();
        killed.destroyForcibly().waitFor();

        LedgerLocks locks = new LedgerLocks(ledger, OwnerId.forThisProcess(), HOUR);
        try (OutputLocks.Held held = locks.tryLock("out").orElseThrow()) {
            assertThat(held.token()).isGreaterThan(stale.token());
            assertThat(ledger.holds(stale)).isFalse();
        }
        Ledger.Lock staleAgain = ledger.lock("out", killedId + "/grant-2", HOUR).orElseThrow();
        long start = System.nanoTime();
        try (OutputLocks.Held held = locks.lock("out")) {
            assertThat(held.token()).isGreaterThan(staleAgain.token());
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("not the minute a lock is waited for")
                    .isLessThan(LedgerLocks.WAIT);
        }
    }

    @Test
    void aLockHeldByALiveProcessOrAnotherMachineStaysHeld() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        LedgerLocks locks = new LedgerLocks(ledger, OwnerId.forThisProcess(), HOUR);
        for (String owner : new String[] {
            OwnerId.forThisProcess() + "/grant", // live
            "elsewhere:" + ProcessHandle.current().pid() + ":0123abcd/12345/89abcdef/grant", // another machine
            "worker-7/grant" // a name given with --id: nothing to tell from it
        }) {
            Ledger.Lock held =
                    ledger.lock("out-" + owner.hashCode(), owner, HOUR).orElseThrow();
            assertThat(locks.tryLock(held.name())).as(owner).isEmpty();
            assertThat(ledger.holds(held)).isTrue();
        }
    }

    /**
     * A holder that crashed on another machine cannot be told gone: its lock is waited for until its lease ends. That
     * lease is the locks' own, at most half the wait, not the claims' (an hour here), so a waiting commit gets it.
     */
    @Test
    void aGrantLastsAtMostHalfTheWaitWhateverTheClaimsLease() throws Exception {
        ManualClock clock = new ManualClock();
        Ledger ledger = MemoryLedger.open("p", clock);
        OwnerId elsewhere = new OwnerId("elsewhere", 4242, "0123456789abcdef", "12345", "89abcdef");
        LedgerLocks crashed = new LedgerLocks(ledger, elsewhere.toString(), HOUR);
        OutputLocks.Held held = crashed.lock("out"); // never closed nor renewed below: its machine is gone
        LedgerLocks waiting = new LedgerLocks(ledger, OwnerId.forThisProcess(), HOUR);
        assertThat(waiting.tryLock("out")).isEmpty();

        clock.advance(LedgerLocks.MAX_LEASE.plusSeconds(1));

        try (OutputLocks.Held mine = waiting.tryLock("out").orElseThrow()) {
            assertThat(mine.token()).isGreaterThan(held.token());
            assertThat(LedgerLocks.MAX_LEASE).isLessThan(LedgerLocks.WAIT);
        } finally {
            held.close(); // stops its renewer (every 10 s of real time, so none ran above)
        }
    }
    /**
     * A merge waits for the merge that held the lock when its splits were done (that one may have listed the done
     * splits before), but leaves the work to a merge granted the lock after: that one lists them all.
     */
    @Test
    void aMergeLeavesTheWorkToAHolderGrantedAfterItsSplitsWereDone() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        Ledger.Lock earlier = ledger.lock("merge", "worker-1/grant", HOUR).orElseThrow();
        AtomicReference<Ledger.Lock> newer = new AtomicReference<>();
        // at this process's first attempt, worker-1's merge ends and worker-2's begins
        LedgerLocks locks = new LedgerLocks(
                beforeFirstLock(ledger, () -> {
                    ledger.unlock(earlier);
                    newer.set(ledger.lock("merge", "worker-2/grant", HOUR).orElseThrow());
                }),
                OwnerId.forThisProcess(),
                HOUR);

        assertThat(locks.lockUnlessTakenAfter("merge", Optional.of(earlier.token()), LedgerLocks.WAIT))
                .as("worker-2's merge does it")
                .isEmpty();
        assertThat(ledger.holds(newer.get())).isTrue();
    }

    /** The holder seen when the splits were done, or one taking the lock when nobody held it then, is waited for. */
    @Test
    void aMergeWaitsForTheHolderItFoundAndForOneNotKnownToBeNewer() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        LedgerLocks locks = new LedgerLocks(ledger, OwnerId.forThisProcess(), HOUR);
        Ledger.Lock found =
                ledger.lock("merge", "worker-1/grant", Duration.ofMillis(300)).orElseThrow();
        try (OutputLocks.Held mine = locks.lockUnlessTakenAfter("merge", Optional.of(found.token()), LedgerLocks.WAIT)
                .orElseThrow()) {
            assertThat(mine.token()).as("taken once worker-1's lease ended").isGreaterThan(found.token());
        }

        // nobody held it: a holder that turns up meanwhile may be a paused one that renewed its old grant
        AtomicReference<Ledger.Lock> turnedUp = new AtomicReference<>();
        LedgerLocks waiting = new LedgerLocks(
                beforeFirstLock(
                        ledger,
                        () -> turnedUp.set(ledger.lock("merge", "worker-2/grant", Duration.ofMillis(300))
                                .orElseThrow())),
                OwnerId.forThisProcess(),
                HOUR);
        try (OutputLocks.Held mine = waiting.lockUnlessTakenAfter("merge", Optional.empty(), LedgerLocks.WAIT)
                .orElseThrow()) {
            assertThat(mine.token()).isGreaterThan(turnedUp.get().token());
        }
    }

    @Test
    void aMergeThatWaitedItsWholeWaitIsToldTheLockIsBusy() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        Ledger.Lock held = ledger.lock("merge", "worker-1/grant", HOUR).orElseThrow();
        LedgerLocks locks = new LedgerLocks(ledger, OwnerId.forThisProcess(), HOUR);
        assertThatThrownBy(() -> locks.lockUnlessTakenAfter("merge", Optional.of(held.token()), Duration.ZERO))
                .isInstanceOf(LedgerLocks.Busy.class)
                .hasMessageContaining("the lock merge in the ledger has been held by another worker");
        assertThat(ledger.holds(held)).isTrue();
    }

    /** The ledger, running {@code first} once, before the first {@code lock} call reaches it. */
    private static Ledger beforeFirstLock(Ledger ledger, Runnable first) {
        AtomicBoolean ran = new AtomicBoolean();
        return (Ledger) java.lang.reflect.Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, m, args) -> {
                    if (m.getName().equals("lock") && ran.compareAndSet(false, true)) first.run();
                    try {
                        return m.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
