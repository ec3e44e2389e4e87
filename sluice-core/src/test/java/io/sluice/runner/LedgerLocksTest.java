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
}
