package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.runner.RunSummary;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watching controller's {@code sluice_splits_failed_total} counts the failed attempts it records, as its summary's
 * {@code failed_attempts} does, not 0. On fabric8's mock API server.
 */
class FailedCountTest {
    @TempDir
    Path dir;

    @Test
    void aFailedJobTheControllerRecordsCountsInItsFailedCounter() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Future<RunSummary> run =
                    k.start(k.pipeline(dir, "mode: watch\ninterval: 1h\nretries: { max: 1, backoff: 1h }"));
            Job job = k.awaitJob(Set.of());
            k.failJob(job.getMetadata().getName(), "BackoffLimitExceeded"); // its pod never claimed the split
            k.awaitGone(job); // recorded, then deleted

            // what sluice_splits_failed_total reads, within the second the controller's counters take: before the fix 0
            long until = System.currentTimeMillis() + 20_000;
            while (k.stats().attemptsFailed() == 0 && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(k.failures).hasSize(1);
            assertThat(k.stats().attemptsFailed())
                    .as("controller said %s", k.infos)
                    .isEqualTo(1);

            k.stop();
            assertThat(run.get(30, SECONDS).attemptsFailed()).isEqualTo(1);
            assertThat(k.stats().attemptsFailed()).isEqualTo(1);
        }
    }
}
