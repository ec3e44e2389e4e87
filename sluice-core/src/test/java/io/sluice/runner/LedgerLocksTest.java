package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.sink.OutputLocks;
import java.time.Clock;
import java.time.Duration;
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
     * A merge waits for a merge that began before it was called (that one may have listed the done splits before this
     * one's were done), but leaves the work to one that takes the lock after it was called: that one lists them all.
     */
    @Test
    void lockUnlessTakenAfterNowLeavesTheWorkToANewerHolder() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        Ledger.Lock earlier = ledger.lock("merge", "worker-1/grant", HOUR).orElseThrow();
        java.util.concurrent.atomic.AtomicReference<Ledger.Lock> newer =
                new java.util.concurrent.atomic.AtomicReference<>();
        // at this process's first attempt, worker-1's merge ends and worker-2's begins
        Ledger handingOver = (Ledger) java.lang.reflect.Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, m, args) -> {
                    if (m.getName().equals("lock") && newer.get() == null) {
                        ledger.unlock(earlier);
                        newer.set(ledger.lock("merge", "worker-2/grant", HOUR).orElseThrow());
                    }
                    try {
                        return m.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        LedgerLocks locks = new LedgerLocks(handingOver, OwnerId.forThisProcess(), HOUR);

        assertThat(locks.lockUnlessTakenAfterNow("merge"))
                .as("worker-2's merge does it")
                .isEmpty();
        assertThat(ledger.holds(newer.get())).isTrue();

        ledger.unlock(newer.get());
        try (OutputLocks.Held mine = locks.lockUnlessTakenAfterNow("merge").orElseThrow()) {
            assertThat(mine.token())
                    .as("nobody held it: taken")
                    .isGreaterThan(newer.get().token());
        }
    }
}
