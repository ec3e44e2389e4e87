package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watching controller's summary ({@code splits_dead}, and the exit code 1) and its {@code sluice_splits_dead_total}
 * counter count each split that died during its run, though splits dead at its start were {@code sluice retry}'d and
 * done meanwhile: the ledger's dead count is then no higher than at the start. On fabric8's mock API server; the test
 * plays the splits' pods through the ledger.
 */
class DeadCountTest {
    @TempDir
    Path dir;

    @Test
    void aSplitThatDiesCountsThoughTheSplitsDeadAtTheStartWereRetriedAndDone() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.assemble(k.pipeline(dir, "mode: watch\ninterval: 1h"));
            Ledger ledger = k.assembly.ledger();
            List<String> deadAtStart = List.of("x", "y");
            ledger.register(deadAtStart.stream()
                    .map(id -> new Split(id, List.of(Member.whole(id + ".csv", "v1", null)), 1))
                    .toList());
            for (String id : deadAtStart) dies(ledger, id);
            assertThat(ledger.counts()).containsEntry(SplitState.DEAD, 2L);

            Future<RunSummary> run = k.start();
            Job third = k.awaitJob(Set.of()); // the split of in/a.csv, planned by the controller
            // sluice retry: the controller makes the two Jobs, and their pods do them
            assertThat(ledger.retry(deadAtStart)).isEqualTo(2);
            Set<String> seen = new HashSet<>(Set.of(third.getMetadata().getUid()));
            List<Job> ended = new ArrayList<>(List.of(third));
            for (int i = 0; i < deadAtStart.size(); i++) {
                Job retried = k.awaitJob(seen);
                seen.add(retried.getMetadata().getUid());
                assertThat(MockCluster.splitOf(retried)).isIn(deadAtStart);
                k.podDoes(retried);
                ended.add(retried);
            }
            // meanwhile the third split's pod fails its last attempt
            dies(ledger, MockCluster.splitOf(third));
            k.failJob(third.getMetadata().getName(), "BackoffLimitExceeded");
            for (Job job : ended) k.awaitGone(job); // the controller counts a split when it sees its Job end

            k.stop();
            RunSummary summary = run.get(30, SECONDS);
            assertThat(summary.splitsDone()).isEqualTo(2);
            // before the fix: 0 (1 dead now, 2 at the start) and exit 0, as if nothing had failed
            assertThat(summary.died()).as("controller said %s", k.infos).isEqualTo(1);
            assertThat(summary.exitCodeWhenWatching()).isEqualTo(RunSummary.SOME_DEAD);
            // what sluice_splits_dead_total reads: before the fix 0, the controller's counters had no dead count
            assertThat(k.stats().splitsDead()).isEqualTo(1);
        }
    }

    /** A pod's last attempt at the split failing: the split is dead. */
    private static void dies(Ledger ledger, String splitId) throws Exception {
        Claim claim = ledger.claim(splitId, "pod-of-" + splitId, Duration.ofMinutes(1))
                .orElseThrow();
        ledger.fail(claim, "broken input", Optional.empty());
    }
}
