package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one rule reset, takeover, the ledger's locks and status share for "a live worker holds this": the lease runs past
 * now, and the holder is not a process of this machine that is gone.
 */
class LeaseTest {
    private static final Instant NOW = Instant.parse("2026-12-06T09:00:00Z");
    private static final String ME = OwnerId.current().orElseThrow().toString();

    @Test
    void aLeaseEndsAtItsVeryEndAsTheLedgerSeesIt() {
        assertThat(new Lease(ME, NOW.plusNanos(1)).live(NOW))
                .as("a moment before its end")
                .isTrue();
        assertThat(new Lease(ME, NOW).live(NOW)).as("just run out").isFalse();
        assertThat(new Lease(ME, NOW.minusSeconds(1)).live(NOW)).as("run out").isFalse();
        assertThat(new Lease(ME, null).live(NOW)).as("no lease").isFalse();
    }

    @Test
    void aDeadProcessOfThisMachineHoldsNothingWhateverItsLease() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        String child = OwnerId.of(p.pid()).orElseThrow().toString();
        Lease lease = new Lease(child, NOW.plus(Duration.ofHours(1)));
        assertThat(lease.live(NOW)).as("while it runs").isTrue();
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(lease.holderGone()).isTrue();
        assertThat(lease.live(NOW)).as("once killed").isFalse();
    }

    @Test
    void aHolderNoOneCanSeeEndHoldsUntilItsLeaseRunsOut() {
        OwnerId me = OwnerId.parse(ME).orElseThrow();
        long free = 4_000_000; // above Linux's pid_max: no such process here
        String elsewhere = new OwnerId("elsewhere", free, me.random(), "1", me.machine()).toString();
        String otherBoot = new OwnerId(me.host(), free, me.random(), "1", "00000000").toString();
        for (String holder : new String[] {elsewhere, otherBoot, "worker-pod-3", "build-7:48211:3900860e", null}) {
            assertThat(new Lease(holder, NOW.plusSeconds(1)).live(NOW))
                    .as(holder)
                    .isTrue();
            assertThat(new Lease(holder, NOW).live(NOW)).as(holder).isFalse();
            assertThat(Lease.holderGone(holder)).as(holder).isFalse();
        }
        String deadHere = new OwnerId(me.host(), free, me.random(), "1", me.machine()).toString();
        assertThat(new Lease(deadHere, NOW.plusSeconds(1)).live(NOW))
                .as("a dead pid of this machine")
                .isFalse();
    }
}
