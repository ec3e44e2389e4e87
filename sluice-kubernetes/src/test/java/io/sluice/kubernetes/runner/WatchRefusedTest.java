package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.mockwebserver.http.MockResponse;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunGaveUpException;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller sees its Jobs end only through its watches. The API server ending them and refusing them anew (the
 * Role lost {@code list} and {@code watch} after the start-up check) leaves it blind: the informers try again, but
 * until they are allowed no end is seen and a {@code once} run waits. The controller says so, naming the verbs and the
 * Role, creates no Job meanwhile, and says when it sees again.
 */
class WatchRefusedTest {
    @TempDir
    Path dir;

    private static final String WATCH_DENIED = "jobs.batch is forbidden: User \"system:serviceaccount:test:refusals\""
            + " cannot watch resource \"jobs\" in API group \"batch\" in the namespace \"test\"";

    @Test
    void watchesTheApiServerEndsAndRefusesAreSaidAndTheRunEndsOnceTheyAreAllowedAgain() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            Job job = k.awaitJob(Set.of());
            refuseTheInformers(k);
            // its pod commits the split and the Job completes, unseen
            var ledger = k.assembly.ledger();
            String splitId = job.getMetadata().getAnnotations().get(JobNames.SPLIT_ANNOTATION);
            var claim = ledger.claim(splitId, "pod", Duration.ofMinutes(1)).orElseThrow();
            ledger.complete(claim, new io.sluice.spi.Completion(1, 1, 0, List.of(), "v1"));
            k.completeJob(job.getMetadata().getName());

            // the controller lists every third of the lease (20 s here): a minute leaves room for a busy machine
            long until = System.currentTimeMillis() + 60_000;
            while (k.infos.stream().noneMatch(l -> l.contains("cannot see")) && System.currentTimeMillis() < until)
                Thread.sleep(50);
            assertThat(k.infos) // before the fix: nothing said while the run waited
                    .filteredOn(l -> l.contains("cannot see"))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("the controller cannot see its Jobs and pods")
                            .contains("namespace test", "403 Forbidden", WATCH_DENIED)
                            .contains("list and watch on jobs (API group batch) and pods", "Role refusals-jobs"));
            assertThat(run).isNotDone();

            k.refuseNothing();
            RunSummary summary = run.get(90, SECONDS);

            assertThat(k.infos).anyMatch(l -> l.startsWith("the controller sees the Jobs and pods again"));
            assertThat(ledger.splits(EnumSet.allOf(SplitState.class), 10))
                    .singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo(SplitState.DONE));
            assertThat(summary.died()).isZero();
            assertThat(k.jobs()).isEmpty();
        }
    }

    /** A once run that still cannot see its Jobs after the minute a refused create is given ends with what to fix. */
    @Test
    void aOnceRunThatKeepsBeingRefusedItsListsEndsWithAnErrorLeavingItsJobRunning() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.podPatience = Duration.ofSeconds(1); // a minute by default
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }\nlease: 3s"); // a list a second
            Future<RunSummary> run = k.start(p);
            Job job = k.awaitJob(Set.of());
            refuseTheInformers(k);

            assertThatThrownBy(() -> run.get(30, SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(RunGaveUpException.class)
                    .hasMessageContaining("the controller could not see its Jobs and pods for")
                    .hasMessageContaining("403 Forbidden: " + WATCH_DENIED)
                    .hasMessageContaining("list and watch on jobs (API group batch) and pods", "Role refusals-jobs")
                    .hasMessageContaining("1 split(s) left open. Their Jobs run on");
            assertThat(k.infos).filteredOn(l -> l.contains("cannot see")).hasSize(1); // said once, not at every list
            assertThat(k.jobs())
                    .extracting(j -> j.getMetadata().getName())
                    .containsExactly(job.getMetadata().getName());
        }
    }

    /**
     * The Role loses list and watch: the informers' lists and watches are refused from now on, and their open watches
     * ended (of the Jobs and of the pods; one the informer was reopening just now is refused at its reopening).
     */
    private static void refuseTheInformers(MockCluster k) throws InterruptedException {
        k.awaitWatches();
        String denied = MockCluster.status(403, "Forbidden", WATCH_DENIED);
        k.answer(r -> r.getMethod().equals("GET") && r.getPath().contains("labelSelector=")
                ? new MockResponse().setResponseCode(403).setBody(denied)
                : null); // the informers' lists and watches, not the test's own list
        int ended = k.endWatches(403, "Forbidden", WATCH_DENIED);
        // no watch open at this moment (an informer was reopening both): their reopening is refused instead
        long until = System.currentTimeMillis() + 30_000;
        while (ended == 0 && k.refused.get() == 0 && System.currentTimeMillis() < until) Thread.sleep(20);
        assertThat(ended + k.refused.get())
                .as("a watch ended, or an informer's list or watch refused")
                .isPositive();
    }
}
