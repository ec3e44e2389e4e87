package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split's pod on a node that is lost: the node controller deletes the pod, but no kubelet is left to end it, so it
 * stays Terminating (deletionTimestamp set, never gone) and its Job never ends. The controller gives the pod up past
 * its deletion time plus run.lease (at least a minute), records the attempt as NodeLost under the pod's own claim, and
 * the split's next Job runs it; the lost pod, if it comes back, cannot commit: its fencing token is stale (rule 2). On
 * fabric8's mock API server (no real one can run here); the test writes the Jobs' and Pods' status, and plays the pods
 * through the ledger.
 */
class LostNodeTest {
    @TempDir
    Path dir;

    @Test
    void aPodStuckTerminatingOnALostNodeIsGivenUpAndItsClaimCanNoLongerCommit() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(dir, "lease: 2s\nretries: { max: 2, backoff: 100ms }");
            Future<RunSummary> run = k.start(p);
            Job first = k.awaitJob(Set.of());
            String splitId = first.getMetadata().getAnnotations().get(JobNames.SPLIT_ANNOTATION);
            Ledger ledger = k.assembly.ledger();

            // its pod claims the split (sluice run --split), then its node goes: the pod was deleted two minutes ago
            // (past run.lease and the minute) and never ends, so its Job stays active (as with a pod failure policy,
            // under which the Job controller waits for the pod to end)
            Claim lost = ledger.claim(splitId, "pod-a", Duration.ofMinutes(10)).orElseThrow();
            Pod stuck = k.runningPod(first, "pod-a", "node-7", Instant.now().minusSeconds(120));
            assertThat(stuck.getMetadata().getDeletionTimestamp()).isNotNull();

            // before the fix: no second Job, ever (the controller waited for pod-a to end)
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            assertThat(second.getMetadata().getName())
                    .isEqualTo(first.getMetadata().getName());
            assertThat(k.failures)
                    .singleElement()
                    .satisfies(e -> assertThat(e)
                            .contains("attempt 1", "Job " + first.getMetadata().getName(), "pod pod-a")
                            .contains("NodeLost", "node-7 is gone or cut off"));

            // the next pod claims with a newer token, and runs while pod-a still lies there with the same job-name
            Claim next = ledger.claim(splitId, "pod-b", Duration.ofMinutes(1)).orElseThrow();
            assertThat(next.token()).isGreaterThan(lost.token());
            k.runningPod(second, "pod-b", "node-8", null);
            Thread.sleep(1500); // a few turns of the controller: pod-a is not taken for the new Job's pod
            ledger.complete(next, new Completion(1, 1, 0, List.of(), "v1"));
            k.completeJob(second.getMetadata().getName());
            RunSummary summary = run.get(30, SECONDS);

            // pod-a comes back: it can neither renew nor commit, nor record a failure over the done split
            assertThat(ledger.isCurrent(lost)).isFalse();
            assertThat(ledger.heartbeat(lost, Duration.ofMinutes(1))).isFalse();
            assertThatThrownBy(() -> ledger.complete(lost, new Completion(1, 1, 0, List.of(), "v1")))
                    .isInstanceOf(StaleClaimException.class);
            assertThatThrownBy(() -> ledger.fail(lost, "late", java.util.Optional.empty()))
                    .isInstanceOf(StaleClaimException.class);
            SplitInfo split = ledger.splits(EnumSet.allOf(SplitState.class), 10).getFirst();
            assertThat(split.state()).isEqualTo(SplitState.DONE);
            assertThat(split.attempts()).isEqualTo(2);
            assertThat(split.token()).isEqualTo(next.token());
            assertThat(summary.splitsDone()).isEqualTo(1);
            assertThat(summary.died()).isZero();
        }
    }
}
