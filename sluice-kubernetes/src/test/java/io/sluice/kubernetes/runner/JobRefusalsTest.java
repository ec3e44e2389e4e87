package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the controller does when the API server refuses a request for good (RBAC, an admission webhook, a policy): the
 * user is told what to fix, and the split's attempts end with the server's message as their reason, instead of the
 * controller trying again every moment for ever while {@code sluice status} shows nothing. On fabric8's mock API server
 * (no real one can run here), made to refuse as a real one does ({@link MockCluster#refuse}).
 */
class JobRefusalsTest {
    @TempDir
    Path dir;

    private static SplitInfo onlySplit(MockCluster k) {
        List<SplitInfo> all = k.assembly.ledger().splits(EnumSet.allOf(SplitState.class), 10);
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    /**
     * A Role without {@code delete} on Jobs: the failed Job stays, and a split's next Job has its name, so none could be
     * created. The controller says so naming the Job, the namespace, the verb and the Role; the split's later attempts
     * fail with that reason (counted by run.retries) and it ends dead, so a {@code once} run ends instead of waiting
     * for ever.
     */
    @Test
    void aFailedJobTheControllerMayNotDeleteEndsItsSplitNamingTheJobNamespaceVerbAndRole() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.refuse(
                    "DELETE",
                    "/jobs/",
                    403,
                    "Forbidden",
                    "jobs.batch is forbidden: User \"system:serviceaccount:test:refusals\" cannot delete resource"
                            + " \"jobs\" in API group \"batch\" in the namespace \"test\"");
            Pipeline p = k.pipeline(dir, "retries: { max: 1, backoff: 100ms }");
            Future<RunSummary> run = k.start(p);
            Job first = k.awaitJob(Set.of());
            String name = first.getMetadata().getName();
            k.failJob(name, "DeadlineExceeded");

            RunSummary summary = run.get(30, SECONDS); // before the fix: the run never ended

            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.attempts()).isEqualTo(2); // the Job's failure, then the Job that could not be made
            assertThat(split.lastError())
                    .contains("Job " + name, "namespace test", "cannot delete resource \"jobs\"")
                    .contains("delete on jobs (API group batch)", "Role refusals-jobs", "sluice retry");
            assertThat(summary.died()).isEqualTo(1);
            assertThat(k.infos)
                    .anySatisfy(line -> assertThat(line)
                            .contains("could not delete Job " + name, "namespace test", "Role refusals-jobs"));
            // the Job is left as it is (the controller may not delete it), and no second one was made
            assertThat(k.jobs())
                    .extracting(j -> j.getMetadata().getUid())
                    .containsExactly(first.getMetadata().getUid());
        }
    }

    /**
     * A policy that refuses the pod spec (an admission webhook, Kyverno, Gatekeeper: 422, or 400 without a code of its
     * own) refuses the same Job at every create. Each refusal is one failed attempt with the server's message, retried
     * under run.retries, and the split ends dead: three creates, not one every moment for ever.
     */
    @Test
    void aJobCreateRefusedByAPolicyFailsTheAttemptWithTheServersMessageUntilTheSplitIsDead() throws Exception {
        try (MockCluster k = new MockCluster()) {
            String denial = "admission webhook \"validate.kyverno.svc\" denied the request: policy require-run-as-"
                    + "non-root: validation error: containers must set runAsNonRoot";
            k.refuse("POST", "/jobs", 422, "Invalid", denial);
            Pipeline p = k.pipeline(dir, "retries: { max: 2, backoff: 100ms }");

            RunSummary summary = k.start(p).get(30, SECONDS); // before the fix: creates for ever, the run never ended

            SplitInfo split = onlySplit(k);
            String job = new JobNames("refusals").jobName(split.id());
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.attempts()).isEqualTo(3);
            assertThat(split.lastError())
                    .contains("attempt 3", "refused to create Job " + job, "namespace test")
                    .contains("422 Invalid: " + denial, "sluice retry");
            assertThat(k.failures).hasSize(3).allSatisfy(e -> assertThat(e).contains(denial));
            assertThat(k.refused.get()).isEqualTo(3);
            assertThat(summary.died()).isEqualTo(1);
            assertThat(k.jobs()).isEmpty();
        }
    }
}
