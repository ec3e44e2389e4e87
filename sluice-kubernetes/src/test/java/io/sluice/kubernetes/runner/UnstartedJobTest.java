package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Job whose pod never starts, with nothing that ends it: no pod made and no event saying why (a webhook that drops
 * it, a Job controller that is not there), or a pod no node fits, left Pending. Kubernetes waits for ever; the
 * controller says which split waits and why while it waits, and ends the attempt after {@code start_timeout}.
 */
class UnstartedJobTest {
    @TempDir
    Path dir;

    @Test
    void aJobWhosePodNeverStartsIsSaidWhileItWaitsThenItsAttemptEndsAndTheRunEnds() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.podPatience = Duration.ofSeconds(1); // said after a minute by default
            Pipeline p = k.pipeline(dir, "start_timeout: 3s,", "retries: { max: 1, backoff: 100ms }");
            Future<RunSummary> run = k.start(p);
            Job first = k.awaitJob(Set.of()); // gets no pod and no event
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            String pod = second.getMetadata().getName() + "-x1";
            String unschedulable = "0/3 nodes are available: 3 Insufficient memory.";
            k.unscheduledPod(second, pod, "Unschedulable", unschedulable);

            RunSummary summary = run.get(30, SECONDS); // before the fix: RUNNING for ever, nothing said

            List<SplitInfo> splits = k.assembly.ledger().splits(EnumSet.allOf(SplitState.class), 10);
            assertThat(splits).hasSize(1);
            SplitInfo split = splits.getFirst();
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.attempts()).isEqualTo(2);
            assertThat(k.failures).hasSize(2);
            assertThat(k.failures.get(0))
                    .contains("Job " + first.getMetadata().getName() + ": NotStarted")
                    .contains("no pod of the Job was created, and no FailedCreate event says why")
                    .contains("run.kubernetes.start_timeout (3 s)");
            assertThat(k.failures.get(1))
                    .contains("Job " + second.getMetadata().getName() + ", pod " + pod + ": NotStarted")
                    .contains("pod " + pod + " is Pending: Unschedulable: " + unschedulable);
            assertThat(k.infos)
                    .anySatisfy(l -> assertThat(l)
                            .contains("split " + split.id() + " (Job "
                                    + first.getMetadata().getName() + ") has not started after")
                            .contains("no pod of the Job was created", "start_timeout"))
                    .anySatisfy(l -> assertThat(l)
                            .contains("split " + split.id() + " (Job "
                                    + second.getMetadata().getName() + ") has not started after")
                            .contains(unschedulable));
            assertThat(summary.died()).isEqualTo(1);
            assertThat(k.jobs()).isEmpty(); // each Job deleted once its attempt was recorded
        }
    }
}
