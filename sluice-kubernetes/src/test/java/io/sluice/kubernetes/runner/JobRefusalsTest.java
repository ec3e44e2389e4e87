package io.sluice.kubernetes.runner;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
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

            SplitInfo split = deadAfterRefusedCreates(k, 422, "Invalid", denial, 3);

            assertThat(split.lastError())
                    .contains("attempt 3", "namespace test")
                    .contains("422 Invalid: " + denial, "sluice retry");
            assertThat(k.failures).hasSize(3).allSatisfy(e -> assertThat(e).contains(denial));
        }
    }

    /**
     * Has every Job create refused with {@code code}, runs the {@code once} run with {@code attempts} attempts, and
     * returns its split: dead, each attempt one create, the run ended, no Job made.
     */
    private SplitInfo deadAfterRefusedCreates(MockCluster k, int code, String reason, String denial, int attempts)
            throws Exception {
        k.refuse("POST", "/jobs", code, reason, denial);
        Pipeline p = k.pipeline(dir, "retries: { max: %d, backoff: 100ms }".formatted(attempts - 1));

        RunSummary summary = k.start(p).get(30, SECONDS); // before the fix: creates for ever, the run never ended

        SplitInfo split = onlySplit(k);
        assertThat(split.state()).isEqualTo(SplitState.DEAD);
        assertThat(split.attempts()).isEqualTo(attempts);
        assertThat(split.lastError()).contains("refused to create Job " + new JobNames("refusals").jobName(split.id()));
        assertThat(k.refused.get()).isEqualTo(attempts);
        assertThat(summary.died()).isEqualTo(1);
        assertThat(k.jobs()).isEmpty();
        return split;
    }

    private static final String CREATE_DENIED = "jobs.batch is forbidden: User \"system:serviceaccount:test:refusals\""
            + " cannot create resource \"jobs\" in API group \"batch\" in the namespace \"test\"";

    /** Plays a split's pod: claims the split in the ledger, commits it, and its Job completes. */
    private static void podDone(MockCluster k, Job job) throws Exception {
        String splitId = job.getMetadata().getAnnotations().get(JobNames.SPLIT_ANNOTATION);
        var ledger = k.assembly.ledger();
        var claim = ledger.claim(splitId, "pod-" + splitId, java.time.Duration.ofMinutes(1))
                .orElseThrow();
        ledger.complete(claim, new io.sluice.spi.Completion(1, 1, 0, List.of(), "v1"));
        k.completeJob(job.getMetadata().getName());
    }

    /**
     * The Role loses {@code create} on Jobs mid-run (after the start-up check passed): Job creation pauses instead of
     * failing every split one by one. The refused split stays pending with no attempt spent, the pause is said once
     * (the verb, the resource, the service account, the Role), creates are tried again with a backoff, and when the
     * Role allows them again creation resumes (said once) and the run ends with every split done.
     */
    @Test
    void aJobCreateRbacRefusesMidRunPausesCreationWithoutFailingSplitsAndResumes() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(dir, "max_active: 1,", "retries: { max: 0 }");
            Path second = Files.writeString(dir.resolve("in/b.csv"), "id\n2\n");
            Files.setLastModifiedTime(second, FileTime.from(Instant.now().minusSeconds(3600)));
            Future<RunSummary> run = k.start(p);
            Job first = k.awaitJob(Set.of());
            k.refuse("POST", "/jobs", 403, "Forbidden", CREATE_DENIED); // the Role was edited
            podDone(k, first);
            long until = System.currentTimeMillis() + 20_000;
            while (k.refused.get() < 3 && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(k.refused.get()).as("tried again").isGreaterThanOrEqualTo(3);

            List<SplitInfo> open = k.assembly.ledger().splits(EnumSet.of(SplitState.PENDING), 10);
            assertThat(open)
                    .singleElement()
                    .satisfies(s -> assertThat(s.attempts()).isZero());
            assertThat(k.failures).isEmpty(); // before the fix: the split failed, then was dead
            assertThat(k.infos.stream().filter(l -> l.contains("Job creation paused")))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("service account (system:serviceaccount:test:refusals)")
                            .contains("the verb create on jobs (API group batch) in namespace test", CREATE_DENIED)
                            .contains("Role refusals-jobs", "sluice k8s generate --mode jobs")
                            .contains("No split is failed for it"));
            assertThat(k.infos).noneMatch(l -> l.contains("refused or did not answer"));

            k.refuseNothing(); // the Role is fixed
            Job next = k.awaitJob(Set.of(first.getMetadata().getUid()));
            podDone(k, next);
            RunSummary summary = run.get(30, SECONDS);

            assertThat(k.infos.stream().filter(l -> l.contains("Job creation resumed")))
                    .singleElement()
                    .satisfies(l -> assertThat(l).contains(CREATE_DENIED));
            assertThat(k.assembly.ledger().splits(EnumSet.allOf(SplitState.class), 10))
                    .hasSize(2)
                    .allSatisfy(s -> assertThat(s.state()).isEqualTo(SplitState.DONE));
            assertThat(summary.died()).isZero();
        }
    }

    /**
     * A {@code once} run whose creates RBAC keeps refusing does not wait for ever: after the minute a Job's pods may be
     * refused (here a second) it ends with an error naming the verb, the service account and the Role, its split left
     * pending with no attempt spent, for the next run.
     */
    @Test
    void aOnceRunWhoseJobCreatesRbacKeepsRefusingEndsWithAnErrorLeavingTheSplitPending() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.podPatience = java.time.Duration.ofSeconds(1); // a minute by default
            k.refuse("POST", "/jobs", 403, "Forbidden", CREATE_DENIED);
            Pipeline p = k.pipeline(dir, "retries: { max: 1, backoff: 100ms }");

            Future<RunSummary> run = k.start(p);

            assertThatThrownBy(() -> run.get(30, SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .hasMessageContaining("no Job could be created for")
                    .hasMessageContaining("service account (system:serviceaccount:test:refusals) the verb create on"
                            + " jobs (API group batch) in namespace test")
                    .hasMessageContaining("Role refusals-jobs", "1 split(s) left pending with no attempt spent")
                    // the run's summary goes with the error, for `sluice run` to print it first (before: lost)
                    .isInstanceOfSatisfying(io.sluice.runner.RunGaveUpException.class, e -> {
                        assertThat(e.summary().splitsDone()).isZero();
                        assertThat(e.summary().ledger()).containsEntry(SplitState.PENDING, 1L);
                    });
            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.PENDING);
            assertThat(split.attempts()).isZero();
            assertThat(k.failures).isEmpty();
            assertThat(k.refused.get()).as("tried again before giving up").isGreaterThanOrEqualTo(2);
            assertThat(k.jobs()).isEmpty();
        }
    }

    /**
     * An admission webhook that denies with 403 (Gatekeeper does) refuses this Job, not every Job: it is not taken for
     * RBAC (no pause), and the split's attempt fails with the webhook's message as a 422 would.
     */
    @Test
    void aWebhooksForbiddenIsNotTakenForRbac() throws Exception {
        try (MockCluster k = new MockCluster()) {
            String denial = "admission webhook \"validation.gatekeeper.sh\" denied the request: [must-run-as-nonroot]"
                    + " containers must not run as root";
            k.refuse("POST", "/jobs", 403, "Forbidden", denial);
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");

            RunSummary summary = k.start(p).get(30, SECONDS);

            assertThat(onlySplit(k).state()).isEqualTo(SplitState.DEAD);
            assertThat(onlySplit(k).lastError()).contains(denial, "admission webhook or policy");
            assertThat(k.infos).noneMatch(l -> l.contains("Job creation paused"));
            assertThat(summary.died()).isEqualTo(1);
        }
    }

    /** A Pod Security admission refusal names the level the namespace enforces and the label that sets it. */
    @Test
    void aJobCreateRefusedByPodSecurityNamesTheLevelAndTheNamespaceLabel() throws Exception {
        try (MockCluster k = new MockCluster()) {
            String denial = "jobs.batch \"x\" is forbidden: violates PodSecurity \"restricted:latest\":"
                    + " allowPrivilegeEscalation != false (container \"sluice\" must set"
                    + " securityContext.allowPrivilegeEscalation=false)";
            k.refuse("POST", "/jobs", 403, "Forbidden", denial);
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");

            RunSummary summary = k.start(p).get(30, SECONDS); // before the fix: creates for ever, the run never ended

            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.lastError())
                    .contains(denial)
                    .contains("namespace test enforces the Pod Security level restricted:latest")
                    .contains("pod-security.kubernetes.io/enforce")
                    .doesNotContain("the verb create");
            assertThat(k.infos).noneMatch(l -> l.contains("Job creation paused"));
            assertThat(summary.died()).isEqualTo(1);
        }
    }

    /**
     * A quota exceeded (also 403) passes once the namespace's Jobs end: the create is sent again, and no attempt of
     * the split is spent on it. Guards the line drawn between it and a permission refusal.
     */
    @Test
    void aJobCreateRefusedForAnExceededQuotaIsSentAgainWithoutFailingTheSplit() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.refuse(
                    "POST",
                    "/jobs",
                    403,
                    "Forbidden",
                    "jobs.batch \"x\" is forbidden: exceeded quota: jobs, requested: count/jobs.batch=1,"
                            + " used: count/jobs.batch=4, limited: count/jobs.batch=4");
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            k.start(p);
            long until = System.currentTimeMillis() + 20_000;
            while (k.refused.get() < 3 && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(k.refused.get()).isGreaterThanOrEqualTo(3);
            assertThat(onlySplit(k).attempts()).isZero();
            // said once, in one line, not at every turn with fabric8's whole request (before: once per refusal)
            assertThat(k.infos.stream().filter(l -> l.contains("refused or did not answer")))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("(403 Forbidden: jobs.batch \"x\" is forbidden: exceeded quota: jobs,")
                            .doesNotContain("\n", "Failure executing"));

            k.refuseNothing(); // a Job of the namespace ended
            k.awaitJob(Set.of());
            long said = System.currentTimeMillis() + 5_000;
            while (k.infos.stream().noneMatch(l -> l.contains("answers again")) && System.currentTimeMillis() < said)
                Thread.sleep(50);
            assertThat(k.infos.stream().filter(l -> l.contains("the Kubernetes API answers again")))
                    .singleElement()
                    .satisfies(l -> assertThat(l).contains("exceeded quota"));

            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.PENDING);
            assertThat(split.attempts()).isZero();
            assertThat(k.failures).isEmpty();
        }
    }

    /**
     * A quota that the Job alone exceeds ({@code count/jobs.batch: 0}: no Job may be made in the namespace) never
     * passes, however many Jobs end: each create fails the split's attempt, naming the quota, the resource, what the
     * Job requests and what the quota allows, and what to change, and the split ends dead so that the {@code once}
     * run ends, instead of the create being sent for ever.
     */
    @Test
    void aJobCreateRefusedByAQuotaItNeverFitsFailsTheAttemptNamingTheQuotaUntilTheSplitIsDead() throws Exception {
        try (MockCluster k = new MockCluster()) {
            String denial = "jobs.batch \"refusals-x\" is forbidden: exceeded quota: no-jobs, requested:"
                    + " count/jobs.batch=1, used: count/jobs.batch=0, limited: count/jobs.batch=0";

            SplitInfo split = deadAfterRefusedCreates(k, 403, "Forbidden", denial, 2);

            assertThat(split.lastError())
                    .contains("403 Forbidden: " + denial)
                    .contains("quota no-jobs in namespace test allows count/jobs.batch=0 in all, and the Job"
                            + " requests count/jobs.batch=1 on its own")
                    .contains("kubectl -n test edit resourcequota no-jobs", "run.kubernetes.namespace")
                    .contains("sluice retry")
                    .doesNotContain("admission webhook", "run.kubernetes.resources");
            assertThat(k.infos).noneMatch(l -> l.contains("refused or did not answer"));
        }
    }

    /**
     * The controller asks the API server at start what it may do (SelfSubjectAccessReview, answered here as RBAC would
     * for a Role without create and delete on jobs): it stops at once naming each missing verb, the namespace and the
     * Role, before it plans or creates anything.
     */
    @Test
    void aControllerWhoseRoleLacksVerbsStopsAtOnceNamingThem() throws Exception {
        try (MockCluster k = new MockCluster()) {
            List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
            k.answer(r -> {
                if (!r.getPath().contains("/selfsubjectaccessreviews")) return null;
                SelfSubjectAccessReview review =
                        Serialization.unmarshal(r.getUtf8Body(), SelfSubjectAccessReview.class);
                ResourceAttributes what = review.getSpec().getResourceAttributes();
                asked.add(what.getVerb() + " " + what.getResource() + " in " + what.getNamespace());
                boolean allowed = !(what.getResource().equals("jobs")
                        && Set.of("create", "delete").contains(what.getVerb()));
                review.setStatus(new SubjectAccessReviewStatusBuilder()
                        .withAllowed(allowed)
                        .build());
                return new MockResponse().setResponseCode(201).setBody(Serialization.asJson(review));
            });
            Pipeline p = k.pipeline(dir, "retries: { max: 1, backoff: 100ms }");

            Future<RunSummary> run = k.start(p);

            assertThatThrownBy(() -> run.get(10, SECONDS)) // before the fix: ran, every create refused later
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .hasMessageContaining(
                            "denies the controller's service account create jobs (API group batch), delete jobs (API"
                                    + " group batch) in namespace test")
                    .hasMessageContaining("Role refusals-jobs", "sluice k8s generate --mode jobs");
            assertThat(asked).contains("create jobs in test", "list pods in test", "get pods in test");
            assertThat(k.assembly.ledger().splits(EnumSet.allOf(SplitState.class), 10))
                    .isEmpty(); // planned nothing
            assertThat(k.jobs()).isEmpty();
        }
    }

    /**
     * Pod Security enforced on the namespace refuses not the Job but each pod the Job controller tries to make: the
     * Job has no pod and no condition, only FailedCreate events. After a while without a pod (a minute; here a
     * second) the attempt ends with the event's message, the level and what to change; the next
     * Job (retries: max 1) is refused alike and the split ends dead, so the {@code once} run ends.
     */
    @Test
    void aJobWhosePodsPodSecurityRefusesEndsItsAttemptWithTheReasonAndTheRunEnds() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.podPatience = java.time.Duration.ofSeconds(1); // a minute by default
            String denial = "Error creating: pods \"x-abcde\" is forbidden: violates PodSecurity"
                    + " \"restricted:latest\": runAsNonRoot != true (pod or container \"exec-0\" must set"
                    + " securityContext.runAsNonRoot=true)";
            Pipeline p = k.pipeline(dir, "security_context: none,", "retries: { max: 1, backoff: 100ms }");
            Future<RunSummary> run = k.start(p);
            Job first = k.awaitJob(Set.of());
            k.podRefused(first, java.time.Duration.ofMinutes(2), denial);
            Job second = k.awaitJob(Set.of(first.getMetadata().getUid()));
            k.podRefused(second, java.time.Duration.ofMinutes(2), denial);

            RunSummary summary = run.get(30, SECONDS); // before the fix: RUNNING for ever, the run never ended

            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.attempts()).isEqualTo(2);
            assertThat(split.lastError())
                    .contains("Job " + first.getMetadata().getName() + ": FailedCreate")
                    .contains("no pod of the Job was created in 1 s", denial)
                    .contains("namespace test enforces the Pod Security level restricted:latest")
                    .contains("run.kubernetes.security_context is none", "pod-security.kubernetes.io/enforce");
            assertThat(k.failures).hasSize(2);
            assertThat(summary.died()).isEqualTo(1);
            assertThat(k.jobs()).isEmpty(); // each Job deleted once its attempt was recorded
        }
    }

    /**
     * A pod refused for an exceeded quota is made once other pods end: the Job waits, holding its place, and no
     * attempt is spent, though its events were read; the controller says so once, naming the split and the quota.
     */
    @Test
    void aJobWhosePodsAQuotaRefusesWaits() throws Exception {
        try (MockCluster k = new MockCluster()) {
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            k.answer(r -> {
                if (r.getMethod().equals("GET") && r.getPath().contains("/events")) reads.incrementAndGet();
                return null; // the CRUD mock answers
            });
            k.podPatience = java.time.Duration.ofSeconds(1);
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            k.start(p);
            Job job = k.awaitJob(Set.of());
            k.podRefused(
                    job,
                    java.time.Duration.ofMinutes(2),
                    "Error creating: pods \"x\" is forbidden: exceeded quota: compute, requested: pods=1, used:"
                            + " pods=10, limited: pods=10");
            long until = System.currentTimeMillis() + 30_000;
            while (reads.get() < 2 && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(reads.get()).as("read again while it waits").isGreaterThanOrEqualTo(2);
            Thread.sleep(1000);

            // said once, with the split, the quota and its message (before: nothing, the Job held its place silently)
            assertThat(k.infos.stream().filter(l -> l.contains("refused by quota")))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("pods of split " + onlySplit(k).id() + " (Job "
                                    + job.getMetadata().getName())
                            .contains("refused by quota compute in namespace test: Error creating: pods \"x\" is"
                                    + " forbidden: exceeded quota: compute, requested: pods=1")
                            .contains("no attempt is spent", "max_active"));
            assertThat(onlySplit(k).attempts()).isZero();
            assertThat(k.failures).isEmpty();
            assertThat(k.jobs())
                    .extracting(j -> j.getMetadata().getUid())
                    .containsExactly(job.getMetadata().getUid());
        }
    }

    /**
     * A quota that one pod exceeds on its own (it asks 4Gi of a quota of 2Gi) never lets it pass, however many other
     * pods end: after the minute (here a second) the attempt ends, as for Pod Security, naming the quota, the
     * resource, both amounts, the option to lower and the quota to raise; the split ends dead and the {@code once} run
     * ends.
     */
    @Test
    void aJobWhosePodAloneExceedsAQuotaEndsItsAttemptNamingTheQuotaAndTheRunEnds() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.podPatience = java.time.Duration.ofSeconds(1);
            Pipeline p = k.pipeline(dir, "resources: { limits: { memory: 4Gi } },", "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            Job job = k.awaitJob(Set.of());
            String denial = "Error creating: pods \"x\" is forbidden: exceeded quota: compute, requested:"
                    + " limits.cpu=1,limits.memory=4Gi, used: limits.cpu=0,limits.memory=0, limited:"
                    + " limits.cpu=2,limits.memory=2Gi";
            k.podRefused(job, java.time.Duration.ofMinutes(2), denial);

            RunSummary summary = run.get(30, SECONDS); // before the fix: the Job waited for ever, the run never ended

            SplitInfo split = onlySplit(k);
            assertThat(split.state()).isEqualTo(SplitState.DEAD);
            assertThat(split.attempts()).isEqualTo(1);
            assertThat(split.lastError())
                    .contains("Job " + job.getMetadata().getName() + ": FailedCreate", denial)
                    .contains("quota compute in namespace test allows limits.memory=2Gi in all")
                    .contains("requests limits.memory=4Gi on its own")
                    .contains("run.kubernetes.resources.limits.memory", "edit resourcequota compute")
                    .doesNotContain("limits.cpu=1 on its own");
            assertThat(k.infos).noneMatch(l -> l.contains("refused by quota"));
            assertThat(summary.died()).isEqualTo(1);
            assertThat(k.jobs()).isEmpty();
        }
    }

    /**
     * A quota that is only full (1536Mi asked, 1Gi used, 2Gi allowed: the pod fits once others end) keeps waiting, in
     * the units the API server writes, with no attempt spent.
     */
    @Test
    void aJobWhosePodFitsAnEmptyQuotaKeepsWaitingWhileTheQuotaIsFull() throws Exception {
        try (MockCluster k = new MockCluster()) {
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            k.answer(r -> {
                if (r.getMethod().equals("GET") && r.getPath().contains("/events")) reads.incrementAndGet();
                return null;
            });
            k.podPatience = java.time.Duration.ofSeconds(1);
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            Job job = k.awaitJob(Set.of());
            k.podRefused(
                    job,
                    java.time.Duration.ofMinutes(2),
                    "Error creating: pods \"x\" is forbidden: exceeded quota: compute, requested:"
                            + " limits.memory=1536Mi,requests.cpu=500m, used: limits.memory=1Gi,requests.cpu=1,"
                            + " limited: limits.memory=2Gi,requests.cpu=1");
            long until = System.currentTimeMillis() + 30_000;
            while (reads.get() < 2 && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(reads.get()).as("read again while it waits").isGreaterThanOrEqualTo(2);

            assertThat(run).isNotDone();
            assertThat(onlySplit(k).attempts()).isZero();
            assertThat(k.failures).isEmpty();
            assertThat(k.infos).anySatisfy(l -> assertThat(l).contains("refused by quota compute"));
        }
    }

    /**
     * A Role without {@code list} on events (one written before the controller read them): a Job without a pod for a
     * while still ends its attempt, saying its events could not be read and the verbs the Role needs.
     */
    @Test
    void aJobWithoutAPodWhoseEventsTheControllerMayNotReadEndsItsAttemptNamingTheVerbs() throws Exception {
        try (MockCluster k = new MockCluster()) {
            k.refuse(
                    "GET",
                    "/events",
                    403,
                    "Forbidden",
                    "events is forbidden: User \"system:serviceaccount:test:refusals\" cannot list resource"
                            + " \"events\" in API group \"\" in the namespace \"test\"");
            k.podPatience = java.time.Duration.ofSeconds(1);
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            Job job = k.awaitJob(Set.of());
            k.podRefused(job, java.time.Duration.ofMinutes(2), "ignored: cannot be read");

            RunSummary summary = run.get(30, SECONDS);

            assertThat(onlySplit(k).lastError())
                    .contains("no pod of the Job was created in 1 s, and its events, which say why, could not be read")
                    .contains("cannot list resource \"events\"", "get and list on events in namespace test")
                    .contains(
                            "Role refusals-jobs",
                            "describe job " + job.getMetadata().getName());
            assertThat(summary.died()).isEqualTo(1);
        }
    }

    /**
     * A ledger that answers and refuses the controller (a rotated password, a revoked privilege): waiting does not
     * help, so the controller stops with the ledger's message (exit 1, for its Deployment to start it again with the
     * settings fixed) instead of trying again every moment for ever.
     */
    @Test
    void aLedgerThatRefusesTheControllerStopsItWithTheLedgersMessage() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            k.awaitJob(Set.of()); // running, leading
            k.ledgerFailure = new io.sluice.spi.LedgerRefusedException(
                    "ledger: password authentication failed for user \"sluice\" (state.postgres.password)", null);

            assertThatThrownBy(() -> run.get(10, SECONDS)) // before the fix: "did not answer" every moment for ever
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                    .hasMessageContaining("password authentication failed", "state.postgres.password");
            assertThat(k.infos).noneMatch(l -> l.contains("the ledger did not answer"));
        }
    }

    /**
     * A ledger outage is waited out, and said once when it begins and once when it ends, not at every turn (4 a
     * second) for as long as it lasts.
     */
    @Test
    void aLedgerOutageIsSaidOnceAndItsEndOnce() throws Exception {
        try (MockCluster k = new MockCluster()) {
            Pipeline p = k.pipeline(dir, "retries: { max: 0 }");
            Future<RunSummary> run = k.start(p);
            k.awaitJob(Set.of()); // running, leading
            k.ledgerFailure = new io.sluice.spi.LedgerException("ledger: connection refused", null);
            Thread.sleep(2_000); // 8 turns
            k.ledgerFailure = null;
            long until = System.currentTimeMillis() + 10_000;
            while (k.infos.stream().noneMatch(l -> l.contains("the ledger answers again"))
                    && System.currentTimeMillis() < until) Thread.sleep(50);
            assertThat(run).as("waited out, not stopped").isNotDone();

            assertThat(k.infos.stream().filter(l -> l.contains("the ledger did not answer")))
                    .singleElement()
                    .asString()
                    .contains("connection refused");
            assertThat(k.infos.stream().filter(l -> l.contains("the ledger answers again")))
                    .singleElement()
                    .asString()
                    .contains("connection refused");
        }
    }
}
