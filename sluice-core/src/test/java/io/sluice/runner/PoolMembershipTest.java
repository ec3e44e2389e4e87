package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pool members on one ledger: one leads; when it stops, cleanly or not, another takes the leader lease. */
class PoolMembershipTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock();
    private final MemoryLedger first = MemoryLedger.open("pool", clock);
    /** A second handle on the same store, as a second process would have. */
    private final MemoryLedger second = first.reopen("pool", clock);

    private final List<String> said = Collections.synchronizedList(new ArrayList<>());
    private final List<PoolMembership> members = new ArrayList<>();

    @AfterEach
    void close() {
        members.forEach(PoolMembership::close);
        first.close();
        second.close();
    }

    private PoolMembership member(MemoryLedger ledger, String id) {
        RunListener listener = new RunListener() {
            @Override
            public void info(String message) {
                said.add(id + ": " + message);
            }
        };
        Outage outage = new Outage(listener, clock, true, LEASE, () -> false, () -> {}, new RunStats());
        PoolMembership m =
                new PoolMembership(ledger, new WorkerInfo(id, "host", 1, Instant.EPOCH, 2), LEASE, listener, outage);
        members.add(m);
        return m;
    }

    @Test
    void theLeaderLeaseMovesToAnotherMemberWhenTheLeaderRetires() throws Exception {
        PoolMembership a = member(first, "a").join(Duration.ofMillis(20));
        assertThat(a.leading()).as("alone, it leads at once").isTrue();
        PoolMembership b = member(second, "b").join(Duration.ofMillis(20));
        Await.until("both are listed", () -> first.workers(LEASE).size() == 2);
        assertThat(b.leading()).isFalse();
        assertThat(first.workers(LEASE))
                .filteredOn(WorkerStatus::leader)
                .extracting(w -> w.worker().id())
                .containsExactly("a");

        a.close();
        Await.until("b leads once a retired", b::leading);
        assertThat(first.workers(LEASE)).extracting(w -> w.worker().id()).containsExactly("b");
        assertThat(said).contains("b: leading the pool: this worker lists the source for all");
    }

    @Test
    void aLeaderThatStopsBeatingLosesTheLeaseAfterItRunsOut() {
        PoolMembership a = member(first, "a");
        PoolMembership b = member(second, "b");
        a.beat();
        b.beat();
        assertThat(a.leading()).isTrue();
        assertThat(b.leading()).isFalse();

        clock.advance(LEASE.minusSeconds(1)); // a is silent (paused, killed), within its lease
        b.beat();
        assertThat(b.leading()).as("a's lease still runs").isFalse();

        clock.advance(Duration.ofSeconds(2));
        b.beat();
        assertThat(b.leading()).as("a's lease ran out").isTrue();
        a.beat(); // a wakes up
        assertThat(a.leading()).isFalse();
        assertThat(said).contains("a: another worker leads the pool now; this one only claims");
    }
}
