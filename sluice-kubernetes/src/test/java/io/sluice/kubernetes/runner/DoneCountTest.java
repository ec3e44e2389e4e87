package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.runner.RunStats;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watching controller's done splits and rows (its progress line, its Prometheus counters, its summary) only grow: a
 * {@code sluice backfill} that takes a done split back does not lower them, and the split done again counts again. On
 * fabric8's mock API server; the test plays the split's pods through the ledger.
 */
class DoneCountTest {
    @TempDir
    Path dir;

    @Test
    void aSplitDoneAgainAfterABackfillCountsAgainAndTheCountersNeverGoDown() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Future<RunSummary> run = k.start(k.pipeline(dir, "mode: watch\ninterval: 1h"));
            Ledger ledger = k.assembly.ledger();
            Job first = k.awaitJob(Set.of());
            String splitId = MockCluster.splitOf(first);
            k.podDoes(first);
            RunStats stats = k.stats();
            awaitStats(k, s -> s.splitsDone() == 1 && s.rowsIn() == 5);

            // sluice backfill takes the done split back to pending; the controller makes it a new Job
            assertThat(ledger.replay(List.of(splitId))).isEqualTo(1);
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            // before the fix: the counters fell to 0 here, the ledger having one done split less than at the start
            assertThat(stats.splitsDone()).isEqualTo(1);
            assertThat(stats.rowsIn()).isEqualTo(5);

            k.podDoes(second);
            // before the fix: 1 and 5, the second completion cancelling the backfill out
            awaitStats(k, s -> s.splitsDone() == 2 && s.rowsIn() == 10 && s.rowsOut() == 8 && s.rejected() == 2);
            k.stop();
            RunSummary summary = run.get(30, SECONDS);
            assertThat(summary.splitsDone()).isEqualTo(2);
            assertThat(summary.rowsIn()).isEqualTo(10);
            assertThat(summary.rowsOut()).isEqualTo(8);
            assertThat(summary.rejected()).isEqualTo(2);
        }
    }

    /** Waits for the controller's counters to show {@code expected} (it reads the ledger once a second). */
    private static void awaitStats(MockCluster k, Predicate<RunStats> expected) throws InterruptedException {
        RunStats s = k.stats();
        long until = System.currentTimeMillis() + 20_000;
        while (!expected.test(s) && System.currentTimeMillis() < until) Thread.sleep(50);
        assertThat(expected.test(s))
                .as(
                        "counters: done %d, rows in %d, out %d, rejected %d; controller said %s",
                        s.splitsDone(), s.rowsIn(), s.rowsOut(), s.rejected(), k.infos)
                .isTrue();
    }
}
