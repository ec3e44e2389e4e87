package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split {@code sluice retry}'d after its Job's pod recorded its death but before the controller handled the failed
 * Job: the old Job's failure is not recorded against the retried split (an attempt spent, with the old Job's error),
 * the Job only goes, and the split gets a new Job from its first attempt. On fabric8's mock API server; the test plays
 * the split's pods through the ledger.
 */
class RetriedSplitTest {
    @TempDir
    Path dir;

    @Test
    void aJobThatFailsAfterItsSplitWasRetriedSpendsNoAttemptOfTheRetriedSplit() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Future<RunSummary> run = k.start(k.pipeline(dir, "mode: watch\ninterval: 1h"));
            Ledger ledger = k.assembly.ledger();
            Job first = k.awaitJob(Set.of());
            String splitId = MockCluster.splitOf(first);
            // its pod claims the split and records its death (no_retry_exit_codes, or its last attempt)
            Claim pods = ledger.claim(splitId, "pod-" + first.getMetadata().getUid(), Duration.ofMinutes(1))
                    .orElseThrow();
            ledger.fail(pods, "broken input", Optional.empty());
            // sluice retry, before the Job controller marks the Job failed
            assertThat(ledger.retry(List.of(splitId))).isEqualTo(1);
            k.failJob(first.getMetadata().getName(), "BackoffLimitExceeded");

            k.awaitGone(first); // the controller handled it: recorded what it records, then deleted it
            SplitInfo split = ledger.splits(EnumSet.allOf(SplitState.class), 10).getFirst();
            // before the fix: failed, attempt 1 spent, with the old Job's BackoffLimitExceeded as its error
            assertThat(k.failures).as("controller said %s", k.infos).isEmpty();
            assertThat(split.state()).isEqualTo(SplitState.PENDING);
            assertThat(split.attempts()).isZero();

            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            assertThat(MockCluster.splitOf(second)).isEqualTo(splitId);
            k.podDoes(second);
            k.awaitGone(second); // the controller counts a split when it sees its Job end
            k.stop();
            assertThat(run.get(30, SECONDS).splitsDone()).isEqualTo(1);
        }
    }
}
