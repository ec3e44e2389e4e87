package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.ledger.Claims;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats on their own thread keep a held claim alive past its lease, and find out when it was taken over. */
class HeartbeatsTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** Real time between beats; the ledger's time is the manual clock's. */
    private static final Duration EVERY = Duration.ofMillis(20);

    private final ManualClock clock = new ManualClock();
    private final MemoryLedger ledger = MemoryLedger.open("beats", clock);
    private final Heartbeats heartbeats = over(ledger);

    @AfterEach
    void close() {
        heartbeats.close();
        ledger.close();
    }

    private Claim registerAndClaim(String owner) {
        ledger.register(List.of(new Split("a.csv", List.of(Member.whole("a.csv", "10:1", null)), 10)));
        return ledger.claim(owner, LEASE).orElseThrow();
    }

    private Instant leaseUntil() {
        return ledger.splits(EnumSet.of(SplitState.CLAIMED), 1).stream()
                .map(SplitInfo::leaseUntil)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aHeldClaimOutlivesManyLeases() throws Exception {
        Claim claim = registerAndClaim("w1");
        heartbeats.hold(claim);
        heartbeats.start(EVERY);
        for (int i = 0; i < 6; i++) { // three leases in all, each step two thirds of one
            clock.advance(LEASE.multipliedBy(2).dividedBy(3));
            Instant renewedBy = clock.instant().plus(LEASE).minusSeconds(1);
            Await.until(
                    "a beat renews the lease from the ledger's new time",
                    () -> leaseUntil().isAfter(renewedBy));
        }
        assertThat(ledger.claim("w2", LEASE))
                .as("another worker cannot take a split whose claim beats")
                .isEmpty();
        assertThat(heartbeats.lost(claim)).isFalse();
        ledger.complete(claim, new Completion(1, 1, 0, List.of(), "v1"));
        assertThat(ledger.counts()).containsEntry(SplitState.DONE, 1L);
    }

    @Test
    void aClaimTakenOverAfterItsLeaseIsLostAndCannotComplete() throws Exception {
        Claim mine = registerAndClaim("w1");
        heartbeats.hold(mine);
        clock.advance(LEASE.plusSeconds(1)); // paused (no beats) past its lease
        Claim theirs = ledger.claim("w2", LEASE).orElseThrow();
        assertThat(theirs.token()).isGreaterThan(mine.token());

        heartbeats.start(EVERY);
        Await.until("a beat finds the claim taken over", () -> heartbeats.lost(mine));
        assertThatThrownBy(() -> ledger.complete(mine, new Completion(1, 1, 0, List.of(), "v1")))
                .isInstanceOf(StaleClaimException.class);
        assertThat(ledger.isCurrent(theirs))
                .as("the lost claim's beats leave the new holder alone")
                .isTrue();

        heartbeats.drop(mine);
        assertThat(heartbeats.lost(mine)).as("dropped: nothing remembered").isFalse();
        assertThat(heartbeats.held()).isEmpty();
    }

    /**
     * A beat that renews a claim as its split ends (here: fails, to be retried) is refused, since the claim just ended.
     * That refusal must not mark the split's next claim lost: this process claiming the split again would process it
     * whole, then have its commit refused and the split left claimed until its lease runs out, an attempt spent.
     */
    @Test
    void aBeatRefusedAsTheSplitEndsDoesNotMarkItsNextClaimLost() throws Exception {
        CountDownLatch renewing = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        Heartbeats beats = over(ledgerWith((method, args) -> {
            if (method.equals("heartbeat")) {
                renewing.countDown();
                ended.await();
            }
        }));
        Claim first = registerAndClaim("w1");
        beats.hold(first);
        Thread beat = Thread.ofVirtual().start(beats::beat);
        renewing.await();

        ledger.fail(first, "a failed attempt", Optional.of(clock.instant()));
        beats.drop(first);
        ended.countDown();
        beat.join();

        Claim again = ledger.claim("w1", LEASE).orElseThrow();
        assertThat(again.splitId()).isEqualTo(first.splitId());
        beats.hold(again);
        assertThat(beats.lost(again))
                .as("the refused beat was about the ended claim, not this one")
                .isFalse();
    }

    /**
     * A second Ctrl-C during a ledger outage: a claim the ledger does not take back must not keep the others, and is
     * named (it waits out its lease).
     */
    @Test
    void releaseAllGivesBackEachClaimThoughOneReleaseFails() {
        ledger.register(List.of(split("a.csv"), split("b.csv"), split("c.csv")));
        List<Claim> claimed = List.of(
                ledger.claim("w1", LEASE).orElseThrow(),
                ledger.claim("w1", LEASE).orElseThrow(),
                ledger.claim("w1", LEASE).orElseThrow());
        Heartbeats beats = over(ledgerWith((method, args) -> {
            if (method.equals("release") && ((Claim) args[0]).splitId().equals("a.csv"))
                throw new LedgerException("the ledger is unreachable", null);
        }));
        claimed.forEach(beats::hold);

        List<String> kept = beats.releaseAll();

        assertThat(kept).singleElement().asString().contains("a.csv").contains("the ledger is unreachable");
        assertThat(ledger.counts())
                .as("the claims the ledger took back are pending again; the other waits out its lease")
                .containsEntry(SplitState.PENDING, 2L)
                .containsEntry(SplitState.CLAIMED, 1L);
    }

    private Heartbeats over(Claims claims) {
        return new Heartbeats(
                claims,
                LEASE,
                RunListener.NONE,
                new Outage(RunListener.NONE, clock, false, LEASE, () -> false, () -> {}, new RunStats()));
    }

    /** The ledger's claims, each call seen first by {@code before} (which may hold it, or fail it). */
    private Claims ledgerWith(Before before) {
        return (Claims) Proxy.newProxyInstance(
                Claims.class.getClassLoader(), new Class<?>[] {Claims.class}, (proxy, m, args) -> {
                    before.call(m.getName(), args);
                    try {
                        return m.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @FunctionalInterface
    private interface Before {
        void call(String method, Object[] args) throws Exception;
    }

    private static Split split(String file) {
        return new Split(file, List.of(Member.whole(file, "10:1", null)), 10);
    }

    @Test
    void everyThirdOfTheLeaseButNotFasterThanTwoHundredMillis() {
        assertThat(Heartbeats.everyThirdOf(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(10));
        assertThat(Heartbeats.everyThirdOf(Duration.ofMillis(300))).isEqualTo(Duration.ofMillis(200));
    }
}
