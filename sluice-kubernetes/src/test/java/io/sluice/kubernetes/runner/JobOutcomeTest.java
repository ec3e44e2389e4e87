package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a Job's end is read from it and its pods: when a pod that is being deleted and never ends is given up, and how
 * long a failed Job waits for its pod to reach the cache.
 */
class JobOutcomeTest {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Duration MARGIN = Duration.ofSeconds(60);

    private static Pod pod(Instant deleted, String phase) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .withDeletionTimestamp(deleted == null ? null : deleted.toString())
                .endMetadata()
                .withNewSpec()
                .withNodeName("node-7")
                .endSpec()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }

    private static final Job RUNNING = new JobBuilder()
            .withNewMetadata()
            .withName("j")
            .endMetadata()
            .withNewStatus()
            .withActive(1)
            .endStatus()
            .build();

    @Test
    void aPodDeletedAndNotEndedIsWaitedForUntilItsDeletionTimePlusTheMarginThenItIsLost() {
        Instant deleted = NOW.minus(MARGIN);
        assertThat(JobOutcome.of(RUNNING, List.of(pod(deleted, "Running")), NOW, MARGIN)
                        .state())
                .isEqualTo(JobOutcome.State.RUNNING);
        JobOutcome lost = JobOutcome.of(RUNNING, List.of(pod(deleted.minusSeconds(1), "Running")), NOW, MARGIN);
        assertThat(lost.state()).isEqualTo(JobOutcome.State.FAILED);
        assertThat(lost.reason()).isEqualTo("NodeLost");
        assertThat(lost.ran()).isFalse(); // no log is asked of a node that does not answer
        assertThat(lost.describe("j")).contains("pod p: NodeLost", "node node-7 is gone or cut off", "61 s later");
    }

    @Test
    void aPodThatEndedOrIsNotBeingDeletedIsNeverLost() {
        Instant longAgo = NOW.minus(Duration.ofHours(1));
        assertThat(JobOutcome.of(RUNNING, List.of(pod(null, "Running")), NOW, MARGIN)
                        .state())
                .isEqualTo(JobOutcome.State.RUNNING);
        assertThat(JobOutcome.of(RUNNING, List.of(pod(longAgo, "Succeeded")), NOW, MARGIN)
                        .reason())
                .isNotEqualTo("NodeLost");
    }

    private static Job failed(Instant at) {
        return new JobBuilder()
                .withNewMetadata()
                .withName("j")
                .endMetadata()
                .withNewStatus()
                .withActive(0)
                .withFailed(1)
                .addNewCondition()
                .withType("Failed")
                .withStatus("True")
                .withReason("BackoffLimitExceeded")
                .withLastTransitionTime(at.toString())
                .endCondition()
                .endStatus()
                .build();
    }

    @Test
    void aFailedJobSeenBeforeItsPodWaitsForItAMomentThenIsRecordedWithoutIt() {
        // the Job's watch may deliver its end before the pod's watch delivers the pod: recorded at once, the attempt
        // lost the pod's exit code (a checksum mismatch's exit 3, an OOMKilled) and its log
        assertThat(JobOutcome.of(failed(NOW), List.of(), NOW.plusSeconds(1), MARGIN)
                        .state())
                .isEqualTo(JobOutcome.State.RUNNING);
        JobOutcome gone = JobOutcome.of(failed(NOW), List.of(), NOW.plus(JobOutcome.POD_GRACE), MARGIN);
        assertThat(gone.state()).as("its pods gone for good").isEqualTo(JobOutcome.State.FAILED);
        assertThat(gone.reason()).isEqualTo("Error"); // the Job's BackoffLimitExceeded says no more
        assertThat(JobOutcome.of(failed(NOW), List.of(pod(null, "Failed")), NOW, MARGIN)
                        .state())
                .as("its pod there and ended: at once")
                .isEqualTo(JobOutcome.State.FAILED);
    }
}
