package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runner.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code once} controller (what a scheduled pipeline's CronJob starts in jobs mode) waits for inputs still being
 * written as a local {@code once} run does: five settle periods (at least 5 s) from the first plan that saw them, then
 * it leaves them to the next run and ends. Before, each plan moved that end further, so an input that never settled
 * (written on and on, or stamped in the future by a clock ahead) kept the run listing for ever, and {@code
 * concurrencyPolicy: Forbid} skipped every later time of the schedule.
 */
class SettlingInputsTest {
    @TempDir
    Path dir;

    @Test
    void aOnceControllerLeavesAnInputThatNeverSettlesToTheNextRunAndEnds() throws Exception {
        try (MockCluster k = new MockCluster()) {
            var pipeline = k.pipeline(dir, "");
            // modified an hour from now: still changing at every plan
            Files.setLastModifiedTime(
                    dir.resolve("in/a.csv"), FileTime.from(Instant.now().plusSeconds(3600)));
            Future<RunSummary> run = k.start(pipeline);
            RunSummary summary = run.get(60, SECONDS);
            assertThat(summary.splitsDone()).isZero();
            assertThat(k.infos).contains("1 file(s) still changing; left for the next run");
            assertThat(k.jobs()).isEmpty();
        }
    }
}
