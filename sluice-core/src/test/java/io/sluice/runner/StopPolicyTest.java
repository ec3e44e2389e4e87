package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.pipeline.CronSchedule;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a {@code once} run ends (nothing left it could claim), and that a watching run ends only when stopped. */
class StopPolicyTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock();
    private final MemoryLedger ledger = MemoryLedger.open("stop", clock);
    private final List<String> said = Collections.synchronizedList(new ArrayList<>());
    private final RunListener listener = new RunListener() {
        @Override
        public void info(String message) {
            said.add(message);
        }
    };

    @AfterEach
    void close() {
        ledger.close();
    }

    private StopPolicy policy(boolean watch) {
        return policy(watch, Optional.empty());
    }

    private StopPolicy policy(boolean watch, Optional<CronSchedule> schedule) {
        Takeover takeover = new Takeover(ledger, ledger, "me", clock, listener, () -> {});
        return new StopPolicy(watch, INTERVAL, schedule, ledger, takeover, clock, listener);
    }

    private void register(String id) {
        ledger.register(List.of(new Split(id, List.of(Member.whole(id, "1:1", null)), 1)));
    }

    private static Completion completion() {
        return new Completion(1, 1, 0, List.of(), "v1");
    }

    @Test
    void onceEndsWhenEverySplitIsDoneOrDead() throws Exception {
        register("a");
        register("b");
        StopPolicy once = policy(false);
        once.planned(0, 0);
        assertThat(once.finished(() -> false)).as("two pending").isFalse();

        Claim a = ledger.claim("me", LEASE).orElseThrow();
        assertThat(once.finished(() -> true)).as("one in this run's hands").isFalse();
        ledger.complete(a, completion());
        Claim b = ledger.claim("me", LEASE).orElseThrow();
        ledger.fail(b, "bad input", Optional.of(clock.instant().plusSeconds(60)));
        assertThat(once.finished(() -> false))
                .as("b waits for its retry: claimable later")
                .isFalse();

        clock.advance(Duration.ofSeconds(61));
        Claim again = ledger.claim("me", LEASE).orElseThrow();
        ledger.fail(again, "bad input", Optional.empty());
        assertThat(once.finished(() -> false))
                .as("a done, b dead: nothing claimable")
                .isTrue();
    }

    @Test
    void onceWaitsForAnotherProcessesLiveClaimAndSaysSo() throws Exception {
        register("a");
        Claim theirs = ledger.claim("other-machine", LEASE).orElseThrow();
        StopPolicy once = policy(false);
        once.planned(0, 0);
        assertThat(once.finished(() -> false)).isFalse();
        assertThat(said).anyMatch(m -> m.startsWith("waiting for 1 split(s) claimed by other processes"));
        ledger.complete(theirs, completion());
        assertThat(once.finished(() -> false)).isTrue();
    }

    @Test
    void onceWaitsForSettlingInputsThenLeavesThemToTheNextRun() {
        StopPolicy once = policy(false);
        once.planned(2, 1_000); // patience: 5 settle periods
        assertThat(once.finished(() -> false)).as("inputs still being written").isFalse();
        assertThat(once.planDue()).isFalse();
        clock.advance(Duration.ofMillis(500));
        assertThat(once.planDue()).as("looks again shortly").isTrue();
        once.planned(2, 1_000);
        assertThat(once.finished(() -> false)).isFalse();

        clock.advance(Duration.ofSeconds(5));
        assertThat(once.planDue()).isTrue();
        once.planned(2, 1_000);
        assertThat(once.finished(() -> false)).as("patience ran out").isTrue();
        assertThat(said).contains("2 file(s) still changing; left for the next run");
    }

    @Test
    void aScheduledWatchPlansAtTheScheduleTimesNotAtItsStart() {
        clock.set(Instant.parse("2026-12-03T10:20:00Z"));
        StopPolicy watch = policy(true, Optional.of(CronSchedule.parse("0 */6 * * *", ZoneOffset.UTC)));
        assertThat(watch.plansAtStart())
                .as("the first plan waits for the schedule")
                .isFalse();
        watch.planned(0, 0);
        assertThat(said).contains("next run at 2026-12-03T12:00Z (0 */6 * * * in Z)");
        clock.advance(INTERVAL);
        assertThat(watch.planDue()).as("run.interval is not the schedule").isFalse();
        clock.set(Instant.parse("2026-12-03T11:59:59.999Z"));
        assertThat(watch.planDue()).isFalse();
        clock.set(Instant.parse("2026-12-03T12:00:00Z"));
        assertThat(watch.planDue()).isTrue();
        watch.planned(0, 0);
        assertThat(watch.planDue()).isFalse();
        assertThat(said).last().isEqualTo("next run at 2026-12-03T18:00Z (0 */6 * * * in Z)");

        watch.planFailed(); // not due: nothing changes
        clock.set(Instant.parse("2026-12-03T18:00:00Z"));
        watch.planFailed(); // the ledger did not answer at 18:00: again after run.interval, not at midnight
        clock.advance(INTERVAL);
        assertThat(watch.planDue()).isTrue();
        assertThat(policy(false, Optional.of(CronSchedule.parse("0 */6 * * *", ZoneOffset.UTC)))
                        .plansAtStart())
                .as("a once run (what the CronJob starts) plans at once")
                .isTrue();
    }

    /**
     * At each of its times a scheduled watch waits for inputs still being written, as the {@code once} run a CronJob
     * starts at the same time does, instead of leaving a file written at 01:59:59 to the next night.
     */
    @Test
    void aScheduledWatchWaitsForInputsStillBeingWrittenAtEachTimeAsAOnceRunDoes() {
        clock.set(Instant.parse("2026-12-03T10:20:00Z"));
        StopPolicy watch = policy(true, Optional.of(CronSchedule.parse("0 2 * * *", ZoneOffset.UTC)));
        watch.planned(0, 0);
        clock.set(Instant.parse("2026-12-04T02:00:00Z"));
        assertThat(watch.planDue()).isTrue();
        watch.planned(1, 1_000);
        clock.advance(Duration.ofMillis(500));
        assertThat(watch.planDue())
                .as("looks again shortly, not the next night")
                .isTrue();
        watch.planned(0, 0);
        assertThat(watch.planDue()).isFalse();
        assertThat(said).last().isEqualTo("next run at 2026-12-05T02:00Z (0 2 * * * in Z)");

        clock.set(Instant.parse("2026-12-05T02:00:00Z"));
        watch.planned(1, 1_000);
        clock.advance(Duration.ofSeconds(5)); // 5 settle periods of 1 s, at least 5 s: patience runs out
        assertThat(watch.planDue()).isTrue();
        watch.planned(1, 1_000);
        assertThat(watch.planDue()).isFalse();
        assertThat(said).contains("1 file(s) still changing; left for the next run");
        assertThat(said).last().isEqualTo("next run at 2026-12-06T02:00Z (0 2 * * * in Z)");
    }

    @Test
    void watchPlansEachIntervalAndEndsOnlyWhenStopped() throws Exception {
        StopPolicy watch = policy(true);
        watch.planned(0, 0);
        assertThat(watch.finished(() -> false))
                .as("nothing to do, still watching")
                .isFalse();
        clock.advance(INTERVAL.minusMillis(1));
        assertThat(watch.planDue()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(watch.planDue()).isTrue();

        CountDownLatch idle = new CountDownLatch(1);
        Thread claimer = Thread.ofPlatform().start(() -> {
            try {
                while (!watch.stopping()) watch.idle(60_000);
                idle.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        watch.requestStop(); // Ctrl-C
        assertThat(idle.await(20, java.util.concurrent.TimeUnit.SECONDS))
                .as("the stop woke the idle claimer")
                .isTrue();
        claimer.join();
        assertThat(watch.stopping()).isTrue();
        assertThat(watch.interrupted()).isTrue();
    }

    /**
     * A worker nudges the coordinator when a split ends or it finds nothing to claim, so a once run ends right after
     * its last split instead of at the coordinator's next turn. A nudge given while the coordinator is busy is kept
     * for its next wait; one given while it waits wakes it.
     */
    @Test
    void aNudgeWakesTheCoordinatorWhetherGivenBeforeOrDuringItsWait() throws Exception {
        StopPolicy once = policy(false);
        once.nudge(); // the coordinator is busy planning, say
        Thread waiting = Thread.ofPlatform().start(() -> {
            try {
                once.awaitTurn(600_000);
                once.awaitTurn(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // the first wait took the earlier nudge; the second one waits for this one
        while (waiting.getState() != Thread.State.TIMED_WAITING && waiting.isAlive()) Thread.onSpinWait();
        once.nudge();
        waiting.join(Duration.ofSeconds(20));
        assertThat(waiting.isAlive())
                .as("both waits ended, not after their ten minutes")
                .isFalse();
    }
}
