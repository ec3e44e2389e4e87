package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watching controller counts its progress (the progress line, the Prometheus counters, the summary) from the Jobs it
 * sees end, looking each one's split up once, not by listing every done and dead split the pipeline ever had at every
 * look: a controller watching a ledger of a million done splits for months read a million rows a second. A split that
 * dies and is {@code sluice retry}'d between two of the old looks counts too. On fabric8's mock API server; the test
 * plays the splits' pods through the ledger.
 */
class ProgressCountTest {
    @TempDir
    Path dir;

    private static final int DONE_BEFORE = 500;

    @Test
    void progressCountsTheSplitsWhoseJobsEndedWithoutListingTheDoneSplitsOfEarlierRuns() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.assemble(k.pipeline(dir, "mode: watch\ninterval: 1h"));
            Ledger ledger = k.assembly.ledger();
            ledger.register(IntStream.range(0, DONE_BEFORE)
                    .mapToObj(i -> new Split("old-" + i, List.of(Member.whole("old-" + i + ".csv", "v1", null)), 1))
                    .toList());
            for (int i = 0; i < DONE_BEFORE; i++)
                ledger.complete(claim(ledger, "old-" + i), new Completion(10, 10, 0, List.of(), "v1"));

            Future<RunSummary> run = k.start();
            Job first = k.awaitJob(Set.of()); // the split of in/a.csv, planned by the controller
            // its pod's last attempt fails; the controller records the Job's end, then sluice retry sends it back
            ledger.fail(claim(ledger, MockCluster.splitOf(first)), "broken input", Optional.empty());
            k.failJob(first.getMetadata().getName(), "BackoffLimitExceeded");
            k.awaitGone(first);
            assertThat(ledger.retry(List.of(MockCluster.splitOf(first)))).isEqualTo(1);
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            k.podDoes(second); // 5 rows in, 4 out, 1 rejected
            k.awaitGone(second);
            Thread.sleep(1_500); // a look of the progress line after the end

            // what the progress line and the Prometheus counters read
            assertThat(k.stats().splitsDone()).isEqualTo(1);
            assertThat(k.stats().rowsIn()).isEqualTo(5);
            // before the fix: 0, the split was dead for a moment between two looks
            assertThat(k.stats().splitsDead()).as("controller said %s", k.infos).isEqualTo(1);
            k.stop();
            RunSummary summary = run.get(30, SECONDS);
            assertThat(summary.splitsDone()).isEqualTo(1);
            assertThat(summary.died()).isEqualTo(1);
            assertThat(List.of(summary.rowsIn(), summary.rowsOut(), summary.rejected()))
                    .containsExactly(5L, 4L, 1L);
            // before the fix: every look listed the 500 done splits of earlier runs (thousands of rows by now)
            assertThat(k.endedListed.get())
                    .as("done and dead splits the controller listed")
                    .isZero();
        }
    }

    private static Claim claim(Ledger ledger, String splitId) {
        return ledger.claim(splitId, "pod-of-" + splitId, Duration.ofMinutes(1)).orElseThrow();
    }
}
