package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.sluice.config.Secret;
import io.sluice.engine.DuckEngine;
import io.sluice.kubernetes.files.FileServer;
import io.sluice.kubernetes.manifest.Manifests;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.RunOptions;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.Merger;
import io.sluice.runner.RunGaveUpException;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunStats;
import io.sluice.runner.RunSummary;
import io.sluice.runner.Runner;
import io.sluice.runner.SettlePatience;
import io.sluice.runner.SplitExecution;
import io.sluice.spi.Claim;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code run.runner: kubernetes}: this process plans the splits and starts one Kubernetes Job per claimable split, at
 * most {@code max_active} at a time; each Job's pod runs {@code sluice run PIPELINE --split ID}, which claims that
 * split in the shared ledger and records its end there. The ledger, not Kubernetes, decides what is done (rule 2).
 *
 * <p>The Jobs and their pods are watched through informers. A Job that failed (or whose pod cannot start) is recorded
 * in the ledger as a failed attempt with its reason (exit code, OOMKilled, Evicted, DeadlineExceeded,
 * ImagePullBackOff...) and the last lines of its pod's log, unless the pod recorded its failure itself; then the Job is
 * deleted, and the ledger's retry time and {@code run.retries.max} decide whether a new Job of the same name follows.
 *
 * <p>Several controllers may run: the one holding the pipeline's leader lease in the ledger plans, creates Jobs and
 * records outcomes; the others wait. A restarted controller adopts the Jobs that exist (found by label).
 */
final class KubernetesRunner implements Runner {
    /** Longest wait between two looks when no informer event wakes the loop. */
    private static final long TICK_MS = 250;
    /** Failed or claimed splits looked at per look. */
    private static final int SCAN = 10_000;
    /**
     * Creates and deletes sent at once: one at a time, a controller makes at most 1 / (2 round trips) Jobs per second
     * (about 19 a second against B8's loaded mock API server, behind 50 splits a second).
     */
    private static final int CONCURRENT_REQUESTS = 8;
    /** A Job created is expected in the informer's cache within this; until then it is not created again. */
    private static final long CREATED_GRACE_MS = 30_000;

    private final Assembly a;
    private final Ledger ledger;
    private final JobOptions o;
    private final RunOptions run;
    private final Clock clock;
    private final String owner;
    private final RunListener listener;
    private final KubernetesClient client;
    private final String namespace;
    private final JobNames names;
    private final JobTemplate template;
    private final Optional<FileServing> serving;
    /** The controller's file server, from the run's start to its end, with {@code file_server} set. */
    private FileServer fileServer;

    private final Planner planner;
    private final RunStats stats = new RunStats();
    private final Object wake = new Object();
    /** Jobs this process created, by name, until the informer shows them. */
    private final Map<String, Long> created = new HashMap<>();
    /** Jobs whose deletion this process asked for, until the informer shows them gone. */
    private final Set<String> deleting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Jobs whose delete the API server refused (403: the controller's Role lacks {@code delete} on Jobs), by name: a
     * split's next Job has the same name, so none can be made while one stays. Tried again every
     * {@link #REFUSED_DELETE_RETRY_MS}; meanwhile the split's attempts fail with the refusal as their reason.
     */
    private final Map<String, Refused> undeletable = new java.util.concurrent.ConcurrentHashMap<>();

    private record Refused(String why, long nextTry) {}

    /** How often a delete refused for lack of permission is tried again (the Role may have been fixed meanwhile). */
    private static final long REFUSED_DELETE_RETRY_MS = 30_000;

    private volatile boolean stopping;
    private volatile boolean interrupted;
    private boolean leading;
    private long nextBeat;
    private long nextPlan;
    private final SettlePatience settling = new SettlePatience();
    private boolean planningOver;
    private SharedIndexInformer<Job> jobs;
    private SharedIndexInformer<Pod> pods;

    KubernetesRunner(
            JobOptions o,
            Optional<FileServing> serving,
            Assembly a,
            Clock clock,
            String owner,
            RunListener listener,
            KubernetesClient client) {
        this(o, serving, a, clock, owner, listener, client, JobOutcome.POD_CREATE_PATIENCE);
    }

    /** @param podPatience how long a Job may be seen without a pod before its events are read for why */
    KubernetesRunner(
            JobOptions o,
            Optional<FileServing> serving,
            Assembly a,
            Clock clock,
            String owner,
            RunListener listener,
            KubernetesClient client,
            Duration podPatience) {
        this.podPatience = podPatience;
        this.a = a;
        this.serving = serving;
        this.ledger = a.ledger();
        this.o = o;
        this.run = a.pipeline().run();
        this.clock = clock;
        this.owner = owner;
        this.listener = listener;
        this.client = client;
        this.namespace = o.namespace().orElseGet(client::getNamespace);
        if (namespace == null)
            throw new IllegalStateException("run.kubernetes.namespace is not set and the Kubernetes client has no "
                    + "namespace of its own (none in the kubeconfig, not in a pod): set run.kubernetes.namespace");
        this.names = new JobNames(a.pipeline().name());
        this.template = new JobTemplate(o, names, a.pipeline().file(), owner, serving, container(a.steps()));
        this.planner = new Planner(a.source(), a.pipeline().source(), ledger);
    }

    /**
     * A {@code once} run of an aggregate ends with a merge of every done split's partial. Each pod merged after its
     * split, but a pod's merge may have left the work to another pod's merge that then did not end (an evicted or
     * killed pod): this one makes the run's totals those of every split it did, whatever happened to the pods.
     */
    private void mergeAtEnd() throws Exception {
        Optional<Merger> merger = Merger.of(a, new LedgerLocks(ledger, owner, run.lease()), listener);
        if (merger.isEmpty()) return;
        a.sink().prepare();
        try (DuckEngine engine = new DuckEngine(run.engine(), 1)) {
            merger.get().merge(engine, 0, Merger.WAIT);
        } finally {
            a.sink().finish();
        }
    }

    /** The image the pipeline's exec step runs in, when it names one: an init container per input of a Job. */
    static Optional<io.sluice.spi.FileStep.Container> container(List<io.sluice.spi.Step> steps) {
        return steps.stream()
                .filter(io.sluice.spi.FileStep.class::isInstance)
                .map(s -> ((io.sluice.spi.FileStep) s).container())
                .flatMap(Optional::stream)
                .findFirst();
    }

    @Override
    public RunStats stats() {
        return stats;
    }

    @Override
    public void requestStop() {
        interrupted = true;
        stopping = true;
        wakeUp();
    }

    /** This process holds no claims of its own beyond a moment: the pods hold them, and keep them. */
    @Override
    public List<String> releaseAll() {
        return List.of();
    }

    @Override
    public RunSummary run() throws Exception {
        long start = System.nanoTime();
        boolean watch = run.mode() == RunOptions.Mode.WATCH;
        long seen = 0;
        ResourceEventHandler<HasMetadata> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata obj) {
                wakeUp();
            }

            @Override
            public void onUpdate(HasMetadata old, HasMetadata obj) {
                wakeUp();
            }

            @Override
            public void onDelete(HasMetadata obj, boolean unknownFinalState) {
                wakeUp();
            }
        };
        listener.info("kubernetes runner: Jobs in namespace " + namespace + ", at most " + o.maxActive()
                + " at a time, labelled " + JobNames.PIPELINE_LABEL + "=" + names.label());
        try {
            checkAccess();
            if (serving.isPresent()) {
                // every controller serves (a Service may send a pod to any); only the leader signs
                fileServer = serving.get().start(ledger);
                listener.info("file server: " + serving.get().root() + " at " + fileServer.url()
                        + ", for the pods' init container into " + serving.get().podFolder());
            }
            jobs = client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withLabel(JobNames.PIPELINE_LABEL, names.label())
                    .inform(cast(handler), 0);
            pods = client.pods()
                    .inNamespace(namespace)
                    .withLabel(JobNames.PIPELINE_LABEL, names.label())
                    .inform(cast(handler), 0);
            if (watch && run.schedule().isPresent()) nextPlan = scheduled(); // the first plan waits for its time
            a.source().running(watch, listener::info); // (a tailed log in logrotate's gap: waited for, not refused)
            while (!stopping) {
                try {
                    beat();
                    lookPastWatches();
                    if (leading) {
                        if (!planningOver && clock.millis() >= nextPlan) seen = Math.max(seen, plan(watch));
                        endJobs();
                        startJobs();
                    }
                    observe(false);
                    apiTrouble.answered();
                    ledgerTrouble.answered();
                    if (!watch && leading && gaveUpCreating()) break;
                    if (!watch && finished()) break;
                    if (!watch && blindTooLong()) break;
                } catch (LedgerRefusedException e) {
                    // a login or permission the ledger refuses: waiting does not help, a restart with new settings does
                    listener.info("the ledger refuses this controller (a login, a permission, a missing table):"
                            + " stopping, for its Deployment to start it again once the settings are fixed");
                    throw e;
                } catch (LedgerException e) {
                    ledgerTrouble.failed(e.getMessage());
                    leading = false;
                    nextBeat = 0;
                } catch (KubernetesClientException e) {
                    apiTrouble.failed(ApiRefusal.of(e).toString());
                }
                synchronized (wake) {
                    if (!stopping) wake.wait(TICK_MS);
                }
            }
        } finally {
            if (fileServer != null) fileServer.close();
            if (jobs != null) jobs.close();
            if (pods != null) pods.close();
            client.close();
            try {
                ledger.retire(owner);
            } catch (LedgerException e) {
                listener.info("could not give up the leader lease (it expires by itself): " + e.getMessage());
            }
        }
        if (!watch && !interrupted) mergeAtEnd();
        Map<SplitState, Long> after = ledger.counts();
        long left = after.entrySet().stream()
                .filter(e -> e.getKey() != SplitState.DONE && e.getKey() != SplitState.DEAD)
                .mapToLong(Map.Entry::getValue)
                .sum();
        observe(true);
        io.sluice.planning.Superseded.Ended ended = io.sluice.planning.Superseded.ended(ledger, after);
        RunSummary summary = new RunSummary(
                done.splits(),
                failedAttempts,
                died.splits(),
                seen,
                0,
                done.rowsIn(),
                done.rowsOut(),
                done.rejected(),
                0,
                (System.nanoTime() - start) / 1_000_000,
                interrupted,
                ended.counts(),
                ended.replaced());
        if (!watch && !interrupted && blind != null && blindTooLong()) {
            // after the summary, as below
            throw new RunGaveUpException(
                    "the controller could not see its Jobs and pods for " + (clock.millis() - blind.since) / 1000
                            + " s: " + cannotSee(blind.refusal) + "; " + left + " split(s) left open. Their Jobs run"
                            + " on and their pods record their ends in the ledger; the next run, once the Role allows"
                            + " it, records and deletes the Jobs",
                    summary);
        }
        if (!watch && !interrupted && paused != null && left > 0) {
            // after the summary: what the run did and left is printed before the error
            throw new RunGaveUpException(
                    "no Job could be created for " + (clock.millis() - paused.since) / 1000 + " s: "
                            + createForbidden(paused.refusal) + "; " + left + " split(s) left pending"
                            + " with no attempt spent, for the next run once the Role allows it",
                    summary);
        }
        return summary;
    }

    /**
     * A turn failed on the API (a quota exceeded, a 5xx, no answer): said once, when the turns start failing, in the
     * one line of {@link ApiRefusal}, not at every turn (4 a second) with fabric8's whole request.
     */
    private final Trouble apiTrouble =
            new Trouble("the Kubernetes API refused or did not answer", "the Kubernetes API answers again");

    /** A turn failed on the ledger (an outage): said once when the turns start failing, as {@link #apiTrouble}. */
    private final Trouble ledgerTrouble = new Trouble("the ledger did not answer", "the ledger answers again");

    /** An episode of failed turns on one service: said once when it starts, and once when a turn goes through. */
    private final class Trouble {
        private final String failing;
        private final String answering;
        /** The error that failed the first turn of the episode, in one line; null while the service answers. */
        private String what;

        private long since;

        Trouble(String failing, String answering) {
            this.failing = failing;
            this.answering = answering;
        }

        void failed(String error) {
            if (what != null) return;
            what = error;
            since = clock.millis();
            listener.info(failing + " (" + what + "); tried again at every turn, said again when it answers");
        }

        void answered() {
            if (what == null) return;
            listener.info(answering + ", after " + (clock.millis() - since) / 1000 + " s of: " + what);
            what = null;
        }
    }

    /** The last list of the pipeline's Jobs and pods, for what their informers missed. */
    private Sighting<Job> jobsListed = Sighting.none();

    private Sighting<Pod> podsListed = Sighting.none();
    private long nextLook;
    /** Since when the API server refuses the lists (and so the watches): null while they are allowed. */
    private Pause blind;

    /** The Jobs as the informer shows them, with what the last list showed that it missed. */
    private List<Job> jobList() {
        return jobsListed.view(jobs.getStore().list());
    }

    /**
     * Lists the pipeline's Jobs and pods every third of {@code run.lease} (at most a minute), by label, and keeps what
     * their informers missed ({@link Sighting}): fabric8 says nothing when the API server ends a watch and refuses it
     * anew (it tries again on its own, its informer still watching), nor when a watch breaks silently. A list refused
     * for good (a Role that lost list or watch, credentials no longer accepted) is said once and tried again with the
     * backoff of a refused create; until it is allowed no Job is created.
     */
    private void lookPastWatches() {
        long now = clock.millis();
        if (now < (blind == null ? nextLook : blind.nextTry)) return;
        nextLook = now + Math.clamp(run.lease().toMillis() / 3, 1_000, LOOK_MAX_MS);
        List<Job> jobsBefore = jobs.getStore().list();
        List<Pod> podsBefore = pods.getStore().list();
        try {
            List<Job> listedJobs = client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withLabel(JobNames.PIPELINE_LABEL, names.label())
                    .list()
                    .getItems();
            List<Pod> listedPods = client.pods()
                    .inNamespace(namespace)
                    .withLabel(JobNames.PIPELINE_LABEL, names.label())
                    .list()
                    .getItems();
            jobsListed = Sighting.of(jobsBefore, listedJobs, this::ended);
            podsListed = Sighting.of(podsBefore, listedPods, JobOutcome::terminal);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 401 && e.getCode() != 403) throw e; // not answered: the turn's trouble says it
            ApiRefusal refusal = ApiRefusal.of(e);
            if (blind == null) {
                blind = new Pause(now, refusal);
                listener.info(cannotSee(refusal) + ". No Job is created meanwhile and no split is failed for it. "
                        + triedAgain("The list", "still cannot see them", "sees them"));
            } else blind.later(now);
            return;
        }
        if (blind != null) {
            listener.info("the controller sees the Jobs and pods again, after " + (now - blind.since) / 1000 + " s of: "
                    + blind.refusal);
            blind = null;
            wakeUp();
        }
    }

    /** The longest time between two lists of {@link #lookPastWatches}. */
    private static final long LOOK_MAX_MS = 60_000;

    /** What the refused list means and what to fix: the verbs, the resources, the service account and the Role. */
    private String cannotSee(ApiRefusal refusal) {
        String what = "the controller cannot see its Jobs and pods in namespace " + namespace + ": the API server"
                + " refuses to list them (" + refusal + "), and so their watches, which fabric8 tries again without a"
                + " word: no Job's end is seen meanwhile. ";
        if (refusal.code() == 401)
            return what + "It no longer accepts the controller's credentials (an expired or revoked service account"
                    + " token, a kubeconfig's credentials): renew them and start the controller again";
        return what + "The controller's service account (" + refusal.user().orElse("the one it runs as") + ") needs"
                + " list and watch on jobs (API group batch) and pods there: add them to the Role bound to it (Role "
                + roleName() + " as `sluice k8s generate --mode jobs` writes it: "
                + Manifests.describe(Manifests.jobsControllerRules()) + ")";
    }

    /** Whether a once run gives up: the lists have been refused longer than {@link #podPatience}, as a create. */
    private boolean blindTooLong() {
        return blind != null && clock.millis() - blind.since >= podPatience.toMillis();
    }

    /**
     * Stops the controller before it plans or creates anything when the API server says its identity may not do what
     * it must in the namespace: every split's attempts would fail (or its Jobs never be recorded) until the Role is
     * fixed, so one error naming every missing verb is worth more.
     */
    private void checkAccess() {
        List<AccessCheck.Access> denied = AccessCheck.denied(client, namespace, listener::info);
        if (denied.isEmpty()) return;
        throw new IllegalStateException(
                "the API server denies the controller's service account "
                        + String.join(
                                ", ",
                                denied.stream()
                                        .map(AccessCheck.Access::toString)
                                        .toList())
                        + " in namespace " + namespace
                        + ", which the kubernetes runner needs: add the verbs to the Role bound"
                        + " to it (Role " + roleName() + " as `sluice k8s generate --mode jobs` writes it: "
                        + Manifests.describe(Manifests.jobsControllerRules())
                        + "), or set run.kubernetes.namespace to the namespace its Role is in; then start the controller again");
    }

    /**
     * The progress line's counts, at most once a second (the pods, not this process, run the splits): the splits done
     * since the start of the run and their rows, as the controller saw its Jobs end ({@link ReachedCount}: they only
     * grow), of those and the ledger's open splits now; in flight, the Jobs not ended. The splits that died, for the
     * summary and the dead counter, are counted the same way; the failed attempts, for the failed counter, are the
     * controller's own count ({@link #failedAttempts}), which only grows. The ledger is asked only its counts here, and
     * less often when that is slow: at most a tenth of the controller's time goes to it.
     */
    private void observe(boolean now) {
        if (!now && clock.millis() < nextObserve) return;
        long started = clock.millis();
        Map<SplitState, Long> counts = ledger.counts();
        nextObserve = clock.millis() + Math.max(OBSERVE_MS, 10 * (clock.millis() - started));
        long done = this.done.splits();
        long open = counts.getOrDefault(SplitState.PENDING, 0L)
                + counts.getOrDefault(SplitState.FAILED, 0L)
                + counts.getOrDefault(SplitState.CLAIMED, 0L);
        long running =
                jobs == null ? 0 : jobList().stream().filter(j -> !ended(j)).count();
        stats.fromLedger(
                done + open,
                done,
                failedAttempts,
                died.splits(),
                running,
                this.done.rowsIn(),
                this.done.rowsOut(),
                this.done.rejected());
    }

    /** The splits done and dead since the start, as this controller saw its Jobs end ({@link ReachedCount}). */
    private final ReachedCount done = new ReachedCount();

    private final ReachedCount died = new ReachedCount();

    /** The Jobs whose end was counted, by uid, while the informer shows them: a Job's end counts once. */
    private final Set<String> endsCounted = new HashSet<>();

    /**
     * Counts the splits of Jobs first seen ended that are done or dead under a claim made after their Job was (its token
     * past the Job's {@link JobNames#TOKEN_ANNOTATION}): one batched look-up of those splits, after their failures were
     * recorded. A split's end from before its Job (a Job that found it done) is not this Job's and does not count.
     */
    private void countEnds(List<Job> ends) {
        Map<String, Job> bySplit = new HashMap<>();
        for (Job job : ends) {
            String splitId = splitOf(job);
            if (!splitId.equals("?")) bySplit.put(splitId, job);
        }
        if (!bySplit.isEmpty())
            for (SplitInfo s : ledger.splitsNamed(bySplit.keySet())) {
                String token =
                        bySplit.get(s.id()).getMetadata().getAnnotations().get(JobNames.TOKEN_ANNOTATION);
                if (token != null && s.token() <= Long.parseLong(token)) continue;
                if (s.state() == SplitState.DONE) done.count(s);
                else if (s.state() == SplitState.DEAD) died.count(s);
            }
        ends.forEach(job -> endsCounted.add(String.valueOf(job.getMetadata().getUid())));
    }

    private long nextObserve;
    private static final long OBSERVE_MS = 1000;

    /** Failed attempts this controller recorded or saw end as failed Jobs. */
    private long failedAttempts;

    @SuppressWarnings("unchecked") // one handler that only wakes the loop serves Jobs and Pods
    private static <T extends HasMetadata> ResourceEventHandler<T> cast(ResourceEventHandler<HasMetadata> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    private void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Takes or keeps the leader lease every third of {@code run.lease}: only the leader creates Jobs. */
    private void beat() {
        long now = clock.millis();
        if (now < nextBeat) return;
        boolean was = leading;
        leading = ledger.lead(owner, run.lease());
        nextBeat = now + Math.max(1, run.lease().toMillis() / 3);
        if (leading && !was) listener.info("leading: this controller plans and creates the Jobs");
        if (was && !leading) listener.info("another controller leads now; this one waits");
    }

    /**
     * Lists the source and registers new splits. A {@code once} run plans again only for inputs still settling, and a
     * scheduled watch waits for them at each of its times too ({@link SettlePatience}).
     */
    private long plan(boolean watch) throws java.io.IOException {
        Plan plan = planner.plan();
        plan.notices().forEach(listener::info);
        listener.planned(plan);
        long now = clock.millis();
        OptionalLong again = !watch || run.schedule().isPresent()
                ? settling.again(now, plan.waiting(), SettlePatience.settleMillis(plan), listener)
                : OptionalLong.empty();
        if (again.isPresent()) nextPlan = again.getAsLong();
        else if (!watch) planningOver = true;
        else
            nextPlan = run.schedule().isPresent()
                    ? scheduled()
                    : now + run.interval().toMillis();
        return plan.processed();
    }

    /** The next time of {@code run.schedule}, said. */
    private long scheduled() {
        listener.info("next run at " + run.schedule().orElseThrow().nextRun(clock.instant()));
        return run.schedule().orElseThrow().next(clock.instant()).toEpochMilli();
    }

    /**
     * A {@code once} run ends when the ledger has nothing open and none of the pipeline's Jobs is unfinished, and the
     * leader has recorded and deleted each ended one.
     */
    private boolean finished() {
        if (leading && !planningOver) return false;
        Map<SplitState, Long> counts = ledger.counts();
        long open = counts.getOrDefault(SplitState.PENDING, 0L)
                + counts.getOrDefault(SplitState.FAILED, 0L)
                + counts.getOrDefault(SplitState.CLAIMED, 0L);
        // the leader leaves no ended Job behind: one that ended after this turn's endJobs waits for the next turn, and
        // one it created and has not seen yet (its watch may have missed it: the next list shows it) waits to be seen
        return open == 0
                && (!leading || created.isEmpty())
                && jobList().stream()
                        .allMatch(j -> ended(j)
                                && (!leading
                                        || deleting.contains(j.getMetadata().getName())));
    }

    private boolean ended(Job j) {
        return JobOutcome.condition(j, "Complete") || JobOutcome.condition(j, "Failed");
    }

    /** Records how each finished Job ended and deletes it; a Job whose pod cannot start is ended the same way. */
    private void endJobs() {
        Set<String> cached = jobNamesInCache();
        // seen: no longer awaited; a Job that ends and is deleted before startJobs looks would otherwise block the
        // split's next Job for CREATED_GRACE_MS
        created.keySet().removeAll(cached);
        deleting.retainAll(cached);
        undeletable.keySet().retainAll(cached); // deleted by someone else: the split may have a new Job
        Map<String, SplitInfo> open = null;
        List<String> ended = new ArrayList<>();
        long now = clock.millis();
        undeletable.forEach((name, refused) -> {
            if (now >= refused.nextTry()) ended.add(name); // already recorded: only its delete is due again
        });
        Set<String> uids = new HashSet<>(); // of the Jobs in the cache: what is kept of the others goes
        List<Job> ends = new ArrayList<>(); // ended Jobs whose end is not counted yet
        for (Job job : jobList()) {
            String name = job.getMetadata().getName();
            String uid = String.valueOf(job.getMetadata().getUid());
            uids.add(uid);
            if (deleting.contains(name)) continue;
            List<Pod> itsPods = podsOf(job);
            JobOutcome outcome = JobOutcome.of(job, itsPods, clock.instant(), lostMargin());
            if (outcome.state() == JobOutcome.State.RUNNING && JobOutcome.podless(job, itsPods))
                outcome = unmade(job).orElse(outcome);
            else podlessSince.remove(uid);
            if (outcome.state() == JobOutcome.State.RUNNING)
                outcome = notStarted(job, uid, itsPods).orElse(outcome);
            if (outcome.state() == JobOutcome.State.RUNNING) continue;
            if (outcome.state() != JobOutcome.State.DONE) {
                if (open == null) open = open();
                record(job, outcome, open);
            }
            ended.add(name);
            if (!endsCounted.contains(uid)) ends.add(job);
        }
        countEnds(ends);
        endsCounted.retainAll(uids);
        deleting.addAll(ended);
        eventsLooked.keySet().retainAll(uids);
        podlessSince.keySet().retainAll(uids);
        unstartedSince.keySet().retainAll(uids);
        unstartedSaid.keySet().retainAll(uids);
        quotaSaid.retainAll(podlessSince.keySet()); // a Job that got its pod, or went: its next episode is said again
        concurrently(ended, this::delete);
    }

    /** How often the events of a Job without a pod are read again, while they say waiting helps (a quota). */
    private static final long EVENTS_LOOK_MS = 10_000;

    /** Jobs without a pod whose events were read, by uid (a split's next Job has the same name): when again. */
    private final Map<String, Long> eventsLooked = new HashMap<>();

    /** Jobs seen without a pod, by uid: since when (this controller's clock; a restarted one waits anew). */
    private final Map<String, Long> podlessSince = new HashMap<>();

    /** How long a Job may be seen without a pod before its events are read: {@link JobOutcome#POD_CREATE_PATIENCE}. */
    private final Duration podPatience;

    /**
     * The end of a Job that has had no pod for {@link JobOutcome#POD_CREATE_PATIENCE}, read from its
     * {@code FailedCreate} events: the API server refuses its pod (Pod Security enforced on the namespace, an admission
     * webhook, a service account that is not there, a ResourceQuota one pod exceeds on its own) and the Job controller
     * tries again for ever, holding a place of {@code max_active} with nothing in the ledger. Empty while waiting helps:
     * no such event yet, or a quota that is only full.
     */
    private Optional<JobOutcome> unmade(Job job) {
        String name = job.getMetadata().getName();
        String uid = String.valueOf(job.getMetadata().getUid());
        long now = clock.millis();
        long since = podlessSince.computeIfAbsent(uid, u -> now);
        if (now - since < podPatience.toMillis() || now < eventsLooked.getOrDefault(uid, 0L)) return Optional.empty();
        eventsLooked.put(uid, now + EVENTS_LOOK_MS);
        String waited = "no pod of the Job was created in " + (now - since) / 1000 + " s";
        List<io.fabric8.kubernetes.api.model.Event> events;
        try {
            events = client.v1()
                    .events()
                    .inNamespace(namespace)
                    .withField("involvedObject.name", name) // not every event of a busy namespace
                    .list()
                    .getItems();
        } catch (KubernetesClientException e) {
            return Optional.of(JobOutcome.unmade(waited + ", and its events, which say why, could not be read ("
                    + apiRefusal(e) + "): the controller's service account needs get and list on events in namespace "
                    + namespace + " (Role " + roleName() + " as `sluice k8s generate --mode jobs` writes it); `kubectl"
                    + " -n " + namespace + " describe job " + name + "` shows them"));
        }
        Optional<String> newest = JobOutcome.newestFailedCreate(job, events);
        if (newest.isPresent() && ApiRefusal.quotaExceeded(newest.get())) {
            Optional<QuotaRefusal.Excess> never = QuotaRefusal.neverFits(newest.get());
            if (never.isPresent()) // no pod ends that would let it pass: the attempt ends, as Pod Security's
            return Optional.of(JobOutcome.unmade(waited + ": the API server refuses it (" + newest.get() + "); "
                    + podQuotaNeverFits(never.get()) + ", then `sluice retry` the split if it is dead by then"));
            quotaRefused(job, uid, newest.get());
            return Optional.empty(); // passes once other pods end: no attempt spent
        }
        return newest.map(
                why -> JobOutcome.unmade(waited + ": the API server refuses it (" + why + ")" + podRefusalHint(why)));
    }

    /** Jobs whose pod has not started, by uid: since when (this controller's clock; a restarted one waits anew). */
    private final Map<String, Long> unstartedSince = new HashMap<>();

    /** Jobs whose pod has not started, by uid: when it is said again that they wait. */
    private final Map<String, Long> unstartedSaid = new HashMap<>();

    /** How often a Job whose pod has not started is said again to wait, in {@link #podPatience}s (5 minutes). */
    private static final int UNSTARTED_SAID_EVERY = 5;

    /**
     * The end of a Job whose pod has not started in {@code run.kubernetes.start_timeout}: no pod and no event saying
     * why, or a pod left Pending (no node fits it, a volume that never binds), which Kubernetes waits for for ever.
     * Until then the controller says so after {@link #podPatience}, and again every {@link #UNSTARTED_SAID_EVERY}, so
     * that a run that seems stuck says which split waits and why. A pod a full quota refuses is not timed: it waits
     * as long as it takes ({@link #quotaRefused}), and its time starts once it is past the quota.
     */
    private Optional<JobOutcome> notStarted(Job job, String uid, List<Pod> itsPods) {
        if (JobOutcome.started(job, itsPods) || quotaSaid.contains(uid)) {
            unstartedSince.remove(uid);
            unstartedSaid.remove(uid);
            return Optional.empty();
        }
        long now = clock.millis();
        long since = unstartedSince.computeIfAbsent(uid, u -> now);
        String why = JobOutcome.notStartedWhy(itsPods);
        String timeout = "run.kubernetes.start_timeout (" + o.startTimeout().toSeconds() + " s)";
        // never before a pod's refusal had its minute to be read from the events, whose reason says more
        if (now - since >= Math.max(o.startTimeout().toMillis(), podPatience.toMillis()))
            return Optional.of(JobOutcome.notStarted(
                    itsPods, "not started after " + (now - since) / 1000 + " s, " + timeout + ": " + why));
        if (now >= unstartedSaid.getOrDefault(uid, since + podPatience.toMillis())) {
            unstartedSaid.put(uid, now + UNSTARTED_SAID_EVERY * podPatience.toMillis());
            listener.info("split " + splitOf(job) + " (Job " + job.getMetadata().getName() + ") has not started after "
                    + (now - since) / 1000 + " s: " + why + ". It waits, holding its place of max_active; its attempt"
                    + " ends as failed once it has waited " + timeout + " (`kubectl -n " + namespace
                    + " describe job " + job.getMetadata().getName() + "` and its pod's events may say more); said"
                    + " again every " + UNSTARTED_SAID_EVERY * podPatience.toSeconds() + " s");
        }
        return Optional.empty();
    }

    /** The split a Job is for, from its annotation; "?" for a Job this runner did not make. */
    private static String splitOf(Job job) {
        Map<String, String> notes = job.getMetadata().getAnnotations();
        return notes == null ? "?" : notes.getOrDefault(JobNames.SPLIT_ANNOTATION, "?");
    }

    /** Jobs whose pods a quota refuses, by uid, said once each until the Job gets a pod or goes. */
    private final Set<String> quotaSaid = new HashSet<>();

    /**
     * A Job whose pods a ResourceQuota refuses waits (the quota passes once other pods end), holding a place of
     * {@code max_active}: said once per Job, so that a run that seems stuck says why.
     */
    private void quotaRefused(Job job, String uid, String message) {
        if (!quotaSaid.add(uid)) return;
        listener.info("pods of split " + splitOf(job) + " (Job "
                + job.getMetadata().getName() + ") refused by quota "
                + ApiRefusal.quota(message).orElse("?") + " in namespace " + namespace + ": " + message
                + ". The Job waits, holding its place of max_active, and no attempt is spent: the quota passes once"
                + " other pods end; otherwise raise it (kubectl -n " + namespace + " describe resourcequota) or lower"
                + " run.kubernetes.max_active or the pods' resources");
    }

    /**
     * Why a quota that one pod exceeds on its own never lets it pass, and what to change: the pipeline's resources (the
     * option that sets the resource, where there is one) or the quota.
     */
    private String podQuotaNeverFits(QuotaRefusal.Excess e) {
        String r = e.resource();
        String option = r.startsWith("limits.")
                ? "run.kubernetes.resources.limits." + r.substring("limits.".length())
                : r.startsWith("requests.")
                        ? "run.kubernetes.resources.requests." + r.substring("requests.".length())
                        : Set.of("cpu", "memory", "ephemeral-storage").contains(r)
                                ? "run.kubernetes.resources.requests." + r
                                : null;
        return quotaNeverFits(
                e,
                "one pod of the Job",
                "pods",
                "lower the pipeline's resources" + (option == null ? "" : " (" + option + ")") + " or raise the quota ("
                        + editQuota(e) + ")");
    }

    /**
     * Why a quota that the Job itself exceeds ({@code count/jobs.batch: 0}) never lets it be created, and what to
     * change: no option of the pipeline asks less of it, so the quota, or the namespace the Jobs are made in.
     */
    private String jobQuotaNeverFits(QuotaRefusal.Excess e) {
        return quotaNeverFits(
                e,
                "the Job",
                "Jobs",
                "raise the quota (" + editQuota(e) + ") or set run.kubernetes.namespace to a namespace whose quotas"
                        + " allow it");
    }

    private String quotaNeverFits(QuotaRefusal.Excess e, String asker, String others, String fix) {
        return "quota " + e.quota() + " in namespace " + namespace + " allows " + e.resource() + "=" + e.limited()
                + " in all, and " + asker + " requests " + e.resource() + "=" + e.requested() + " on its own, so it"
                + " never fits however many other " + others + " end: " + fix;
    }

    private String editQuota(QuotaRefusal.Excess e) {
        return "kubectl -n " + namespace + " edit resourcequota " + e.quota();
    }

    /** What in run.kubernetes makes the Jobs' pods meet a stricter Pod Security level, by its security_context. */
    private String podSecurityHint() {
        return switch (o.security()) {
            case NONE, EXEC_AS_IMAGE ->
                "run.kubernetes.security_context is " + o.security().value()
                        + "; restricted (the default) makes every container of the pod meet the level restricted";
            case RESTRICTED ->
                "run.kubernetes.security_context is restricted, so the pod's containers meet it: what"
                        + " the message names comes from elsewhere (a field of run.kubernetes, a policy's own version)";
        };
    }

    /** What to change for a pod the API server refuses, by what refused it. */
    private String podRefusalHint(String why) {
        return ApiRefusal.podSecurity(why)
                .map(level -> "; " + podSecurityFix(level))
                .orElse("; change what refuses it (an admission webhook or policy, a service account that is not"
                        + " there) or run.kubernetes, then `sluice retry` the split if it is dead by then");
    }

    /** What to change when the namespace's Pod Security {@code level} refuses the Jobs' pods (or the Jobs). */
    private String podSecurityFix(String level) {
        return "namespace " + namespace + " enforces the Pod Security level " + level
                + " (its label pod-security.kubernetes.io/enforce), which the Job's pod does not meet: "
                + podSecurityHint() + ", or run them in a namespace whose level is baseline or privileged, or"
                + " relax its label (kubectl label namespace " + namespace
                + " pod-security.kubernetes.io/enforce=baseline --overwrite)";
    }

    /**
     * Runs {@code request} for every item, {@link #CONCURRENT_REQUESTS} at a time, and returns when all have ended;
     * the first failure is thrown then (the others are suppressed in it).
     */
    private static <T> void concurrently(List<T> items, java.util.function.Consumer<T> request) {
        if (items.isEmpty()) return;
        if (items.size() == 1) {
            request.accept(items.getFirst());
            return;
        }
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(CONCURRENT_REQUESTS);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
            for (T item : items) {
                slots.acquireUninterruptibly();
                sent.add(requests.submit(() -> {
                    try {
                        request.accept(item);
                    } finally {
                        slots.release();
                    }
                }));
            }
        }
        RuntimeException first = null;
        for (java.util.concurrent.Future<?> f : sent) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                RuntimeException cause =
                        e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                if (first == null) first = cause;
                else first.addSuppressed(cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending requests to the Kubernetes API", e);
            }
        }
        if (first != null) throw first;
    }

    private Set<String> jobNamesInCache() {
        Set<String> out = new HashSet<>();
        for (Job j : jobList()) out.add(j.getMetadata().getName());
        return out;
    }

    /**
     * The pods of this Job, not of an earlier Job of the same name: a pod given up as lost on a gone node stays
     * (Terminating) beside the split's next Job, with the same {@code job-name} label.
     */
    private List<Pod> podsOf(Job job) {
        String jobName = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        return podsListed.view(pods.getStore().list()).stream()
                .filter(p -> jobName.equals(p.getMetadata().getLabels().get(JobNames.JOB_NAME_LABEL)))
                .filter(p -> uid == null
                        || p.getMetadata().getOwnerReferences() == null
                        || p.getMetadata().getOwnerReferences().isEmpty()
                        || p.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid())))
                .toList();
    }

    /** How long past its deletion time a pod that has not ended is given up as lost: run.lease, at least a minute. */
    private Duration lostMargin() {
        return run.lease().compareTo(JobOutcome.MIN_LOST_MARGIN) > 0 ? run.lease() : JobOutcome.MIN_LOST_MARGIN;
    }

    /** The oldest {@link #SCAN} open splits (claimed, pending, failed), by id. */
    private Map<String, SplitInfo> open() {
        Map<String, SplitInfo> out = new HashMap<>();
        for (SplitInfo s : ledger.splits(EnumSet.of(SplitState.CLAIMED, SplitState.PENDING, SplitState.FAILED), SCAN))
            out.put(s.id(), s);
        return out;
    }

    /**
     * Records a failed Job's attempt in the ledger, once, and only against the claim the Job was made for: its
     * annotations hold the split's attempts and last fencing token when it was created, and a pod that claimed the
     * split got the first claim after that token, counting one attempt more. Its pod may have recorded its failure
     * itself (then nothing is added), died holding its claim (then the failure is recorded under that claim's own
     * token, so the attempt counts once), or never claimed (then this controller claims the split and records the
     * failure, if no one claimed it since and no {@code sluice retry} reset its attempts: a retried split starts
     * afresh, with a new Job).
     */
    private void record(Job job, JobOutcome outcome, Map<String, SplitInfo> open) {
        Map<String, String> notes = job.getMetadata().getAnnotations();
        String splitId = notes == null ? null : notes.get(JobNames.SPLIT_ANNOTATION);
        if (splitId == null) return; // not a Job this runner made: it only goes away
        int before = Integer.parseInt(notes.getOrDefault(JobNames.ATTEMPTS_ANNOTATION, "0"));
        // none on a Job an earlier version of the controller made: then the attempts alone tell
        String token = notes.get(JobNames.TOKEN_ANNOTATION);
        OptionalLong madeAfter = token == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(token));
        failedAttempts++;
        Instant now = clock.instant();
        SplitInfo seen = open.get(splitId); // null: done, dead, or past the oldest SCAN (then the claim below tells)
        SplitInfo held = seen != null && seen.state() == SplitState.CLAIMED ? seen : null;
        try {
            if (held != null) {
                // the pod's claim is the first after the Job was made: an older one never reached its pod, and a
                // later one (the split retried and claimed again) is not this Job's
                if (held.attempts() != before + 1 || held.token() <= madeAfter.orElse(Long.MIN_VALUE)) return;
                Optional<Split> split = ledger.split(splitId);
                if (split.isEmpty()) return;
                Claim abandoned = new Claim(
                        split.get(),
                        held.owner() == null ? owner : held.owner(),
                        held.token(),
                        held.leaseUntil() == null ? now : held.leaseUntil(),
                        held.attempts());
                fail(abandoned, job, outcome, now);
                return;
            }
            if (outcome.exitCode() != null
                    && outcome.container() == null // the split's own exit code, not the download's
                    && outcome.exitCode() == SplitExecution.NOT_CLAIMABLE) {
                return; // the pod found the split not claimable: it did nothing to record
            }
            // any other end counts, exit code 2 too (the pod could not load the pipeline, or its ledger does not
            // know the split): left unrecorded, the split would stay pending and get a new Job after every such pod
            if (seen != null && (seen.attempts() != before || seen.token() > madeAfter.orElse(Long.MAX_VALUE)))
                return; // its pod claimed it and recorded its failure, or a sluice retry sent it back since
            Optional<Claim> claim = ledger.claim(splitId, owner, run.lease());
            if (claim.isEmpty()) return; // recorded by its pod (waiting for its retry, dead), or done
            if (claim.get().attempt() != before + 1) {
                ledger.release(claim.get()); // as above, for a split past the oldest SCAN: nothing is recorded
                return;
            }
            fail(claim.get(), job, outcome, now);
        } catch (StaleClaimException e) {
            listener.info("split " + splitId + ": its failure was not recorded, the claim moved on: " + e.getMessage());
        }
    }

    private static final String DOWNLOAD_HINT = "; the pod could not download its split's files from the controller's"
            + " file server (its next Job gets new URLs; URLs that expired before the pod started need a longer"
            + " run.kubernetes.file_server.url_lifetime)";

    private static final String INVALID_HINT = "; the pod could not load the pipeline, or its ledger does not know"
            + " the split: check what the Job's pod reads (run.kubernetes.config_map, pipeline_file, and the"
            + " variables of env_from_secrets)";

    /** The inputs of a split, by the keys its pod knows them by. */
    private List<String> inputs(String splitId) {
        Split split = ledger.split(splitId)
                .orElseThrow(() -> new IllegalArgumentException("the ledger does not know split " + splitId));
        return split.members().stream().map(Member::key).toList();
    }

    /** A split whose files could not be signed (one is gone or unreadable) gets no Job: its attempt fails here, retried. */
    private void unsent(String splitId, Exception why) {
        failUnsent(
                splitId,
                "no Job created: its files could not be signed for the file server: " + why.getMessage(),
                true);
    }

    /**
     * A split that gets no Job: its attempt fails here with {@code reason}, retried under {@code run.retries} (so it
     * ends dead when the reason stays), or dead at once without {@code retry}.
     */
    private void failUnsent(String splitId, String reason, boolean retry) {
        Optional<Claim> claim = ledger.claim(splitId, owner, run.lease());
        if (claim.isEmpty()) return; // taken or ended meanwhile
        Instant now = clock.instant();
        Optional<Instant> retryAt = retry ? run.retries().nextTry(claim.get().attempt(), now) : Optional.empty();
        String error = Secret.redact("split " + splitId + ", attempt "
                + claim.get().attempt() + ": " + reason + (retry ? "" : " (not retried)"));
        failedAttempts++;
        try {
            ledger.fail(claim.get(), error, retryAt);
        } catch (StaleClaimException e) {
            return;
        }
        if (retryAt.isEmpty()) died.countOne(); // no Job of its will end: counted here
        listener.failed(
                claim.get(),
                error,
                retryAt.map(t -> Duration.between(now, t).toMillis()).orElse(-1L));
    }

    private void fail(Claim claim, Job job, JobOutcome outcome, Instant now) throws StaleClaimException {
        boolean retry = outcome.exitCode() == null || !o.noRetryExitCodes().contains(outcome.exitCode());
        Optional<Instant> retryAt = retry ? run.retries().nextTry(claim.attempt(), now) : Optional.empty();
        String error = "split " + claim.splitId() + ", attempt " + claim.attempt() + ": "
                + outcome.describe(job.getMetadata().getName())
                + (retry ? "" : " (not retried: exit code in run.kubernetes.no_retry_exit_codes)")
                + (JobTemplate.FETCH_CONTAINER.equals(outcome.container()) ? DOWNLOAD_HINT : "")
                + (outcome.container() == null
                                && Integer.valueOf(RunSummary.INVALID).equals(outcome.exitCode())
                        ? INVALID_HINT
                        : "")
                + logTail(outcome);
        if (fileServer != null
                && JobTemplate.FETCH_CONTAINER.equals(outcome.container())
                && Integer.valueOf(io.sluice.kubernetes.files.Fetcher.CHECKSUM_MISMATCH_EXIT)
                        .equals(outcome.exitCode())) {
            // a download that failed its checksum gets the same cached one again: the next Job's URLs read it anew.
            // Only then: an expired URL or an unreachable server leaves the checksums right, and a large file unread
            fileServer.forget(claim.split().members().stream().map(Member::key).toList());
        }
        error = Secret.redact(error);
        ledger.fail(claim, error, retryAt);
        listener.failed(
                claim,
                error,
                retryAt.map(t -> Duration.between(now, t).toMillis()).orElse(-1L));
    }

    /** The last lines of the pod's log, when its container ran and the API server still has it. */
    private String logTail(JobOutcome outcome) {
        if (outcome.pod() == null || !outcome.ran() || o.logLines() == 0) return "";
        try {
            String log = client.pods()
                    .inNamespace(namespace)
                    .withName(outcome.pod())
                    .inContainer(outcome.container() == null ? JobTemplate.CONTAINER : outcome.container())
                    .tailingLines(o.logLines())
                    .getLog();
            return log == null || log.isBlank() ? "" : "; last lines of its log:\n" + log.stripTrailing();
        } catch (KubernetesClientException e) {
            return "; its log could not be read: " + e.getMessage();
        }
    }

    private void delete(String jobName) {
        try {
            client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withName(jobName)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                    .delete();
            undeletable.remove(jobName);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                refusedDelete(jobName, e);
                return;
            }
            // an API that did not answer (no code, 429, 5xx): the next turn deletes it again; another answer (404:
            // gone already) leaves it in deleting, so a once run does not wait for it
            if (e.getCode() == 0 || e.getCode() == 429 || e.getCode() >= 500) deleting.remove(jobName);
            throw e;
        }
    }

    /**
     * A delete refused for lack of permission: said once per Job, in full (the Job, its namespace, its split, the verb
     * and the Role to fix), kept in {@link #deleting} so that it is not recorded again, and tried again later.
     */
    private void refusedDelete(String jobName, KubernetesClientException e) {
        Job job = jobs.getStore().getByKey(namespace + "/" + jobName);
        Map<String, String> notes = job == null ? null : job.getMetadata().getAnnotations();
        String splitId = notes == null ? null : notes.get(JobNames.SPLIT_ANNOTATION);
        String why = "its last Job " + jobName + " in namespace " + namespace + " could not be deleted, and a split's"
                + " new Job has the same name: the API server refused the delete (" + apiRefusal(e) + "). The"
                + " controller's service account needs the verb delete on jobs (API group batch) in namespace "
                + namespace + ": add it to the Role bound to it (Role " + roleName() + " as `sluice k8s generate"
                + " --mode jobs` writes it), or delete the Job yourself (kubectl -n " + namespace + " delete job "
                + jobName + "); then `sluice retry` the split if it is dead by then";
        Refused before = undeletable.put(jobName, new Refused(why, clock.millis() + REFUSED_DELETE_RETRY_MS));
        if (before == null)
            listener.info("could not delete Job " + jobName + " in namespace " + namespace
                    + (splitId == null ? "" : " (split " + splitId + ")") + ": " + apiRefusal(e)
                    + ". The controller's service account needs the verb delete on jobs (API group batch) there: add it"
                    + " to the Role bound to it (Role " + roleName() + " as `sluice k8s generate --mode jobs` writes"
                    + " it), or delete the Job yourself (kubectl -n " + namespace + " delete job " + jobName + ")."
                    + " Until then its split, if it needs another attempt, gets no new Job (its attempts fail with this"
                    + " reason, then it is dead);"
                    + " the delete is tried again every " + REFUSED_DELETE_RETRY_MS / 1000 + " s");
    }

    /** The Role {@code sluice k8s generate --mode jobs} writes for this pipeline's controller. */
    private String roleName() {
        return io.sluice.kubernetes.manifest.Names.of(names.pipeline()).named("jobs");
    }

    /** The API server's answer in one line: its code, reason and message, not fabric8's whole request. */
    private static String apiRefusal(KubernetesClientException e) {
        return ApiRefusal.of(e).toString();
    }

    /** Creates Jobs for claimable splits without one, oldest first, while fewer than {@code max_active} are unfinished. */
    private void startJobs() {
        if (blind != null) return; // a Job it cannot see end would hold its place of max_active for ever
        long now = clock.millis();
        Set<String> existing = jobNamesInCache();
        created.keySet().removeIf(n -> existing.contains(n));
        created.values().removeIf(t -> now - t > CREATED_GRACE_MS);
        long unfinished = jobList().stream().filter(j -> !ended(j)).count() + created.size();
        int free = (int) Math.max(0, o.maxActive() - unfinished);
        if (free == 0) return;
        if (paused != null) {
            if (now < paused.nextTry) return;
            free = 1; // one create asks whether the Role allows it again; the others wait for its answer
        }
        Map<SplitState, Long> counts = ledger.counts();
        Instant at = clock.instant();
        List<SplitInfo> candidates = new ArrayList<>();
        if (counts.getOrDefault(SplitState.PENDING, 0L) > 0)
            candidates.addAll(ledger.splits(EnumSet.of(SplitState.PENDING), free + o.maxActive()));
        if (counts.getOrDefault(SplitState.FAILED, 0L) > 0) {
            for (SplitInfo s : ledger.splits(EnumSet.of(SplitState.FAILED), SCAN))
                if (s.nextRetry() == null || !s.nextRetry().isAfter(at)) candidates.add(s);
        }
        if (counts.getOrDefault(SplitState.CLAIMED, 0L) > 0) {
            // a claim whose holder is gone without a Job left to tell (a Job deleted by its ttl): after its lease
            for (SplitInfo s : ledger.splits(EnumSet.of(SplitState.CLAIMED), SCAN))
                if (s.leaseUntil() != null && !s.leaseUntil().isAfter(at)) candidates.add(s);
        }
        List<Job> toCreate = new ArrayList<>();
        Set<String> chosen = new HashSet<>();
        for (SplitInfo s : candidates) {
            if (free == 0 || stopping) break;
            String name = names.jobName(s.id());
            Refused refused = undeletable.get(name);
            if (refused != null) {
                failUnsent(s.id(), "no Job created: " + refused.why(), true);
                continue;
            }
            if (existing.contains(name) || created.containsKey(name) || deleting.contains(name)) continue;
            if (!chosen.add(name)) continue;
            List<String> fetch = List.of();
            List<String> inputs = List.of();
            if (fileServer != null) {
                try {
                    // the init container's arguments: a URL per file of the split, signed now
                    inputs = inputs(s.id());
                    Optional<List<String>> signed =
                            serving.orElseThrow().fetchArgsWhenRead(fileServer, s.id(), inputs, this::wakeUp);
                    if (signed.isEmpty()) continue; // its files are read for their sha256 off this loop: others first
                    fetch = signed.get();
                } catch (IOException | IllegalArgumentException e) {
                    unsent(s.id(), e);
                    continue;
                }
            }
            try {
                toCreate.add(template.job(s.id(), s.attempts(), s.token(), fetch, inputs));
            } catch (JobTemplate.TooLarge e) {
                failUnsent(s.id(), "no Job created: " + e.getMessage(), false);
                continue;
            }
            free--;
        }
        Set<String> made = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Map.Entry<Job, KubernetesClientException>> refusedCreates =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            concurrently(toCreate, job -> {
                try {
                    client.batch()
                            .v1()
                            .jobs()
                            .inNamespace(namespace)
                            .resource(job)
                            .create();
                } catch (KubernetesClientException e) {
                    if (ApiRefusal.of(e).forGood()) {
                        refusedCreates.add(Map.entry(job, e));
                        return;
                    }
                    if (e.getCode() != 409) throw e;
                    // AlreadyExists: another controller's, or one this process made before it restarted
                }
                made.add(job.getMetadata().getName());
            });
        } finally {
            for (String name : made) created.put(name, now); // a failed create is tried again at the next look
            List<Map.Entry<Job, KubernetesClientException>> forbidden = refusedCreates.stream()
                    .filter(r -> ApiRefusal.of(r.getValue()).permission())
                    .toList();
            refusedCreates.stream()
                    .filter(r -> !forbidden.contains(r))
                    .forEach(r -> refusedCreate(r.getKey(), r.getValue()));
            if (!forbidden.isEmpty()) pause(ApiRefusal.of(forbidden.getFirst().getValue()));
            else if (paused != null && !made.isEmpty()) resume();
        }
    }

    /**
     * Job creation paused because RBAC refuses the verb create on jobs: the Role changed after the start-up check (or
     * the check had no answer). Null while creates go through. No split is failed for it: the refusal is the
     * controller's, not a split's, so the splits stay claimable, with no attempt spent, and creation resumes when a
     * create is allowed again.
     */
    private Pause paused;

    /** An episode of a request RBAC refuses (a create, or {@link #blind}'s list), tried again with a backoff. */
    private static final class Pause {
        final long since;
        /** The refusal that began the episode. */
        final ApiRefusal refusal;

        long backoff = CREATE_RETRY_FIRST_MS;
        long nextTry;

        Pause(long since, ApiRefusal refusal) {
            this.since = since;
            this.refusal = refusal;
            this.nextTry = since + backoff;
        }

        /** Refused again: the next try waits twice as long, up to {@link #CREATE_RETRY_MAX_MS}. */
        void later(long now) {
            backoff = Math.min(CREATE_RETRY_MAX_MS, backoff * 2);
            nextTry = now + backoff;
        }
    }

    /** The first wait before a paused creation is tried again; it doubles up to {@link #CREATE_RETRY_MAX_MS}. */
    private static final long CREATE_RETRY_FIRST_MS = 1_000;

    private static final long CREATE_RETRY_MAX_MS = 30_000;

    /** Pauses Job creation (said once per episode), or, paused already, waits longer before the next try. */
    private void pause(ApiRefusal refusal) {
        long now = clock.millis();
        if (paused == null) {
            paused = new Pause(now, refusal);
            listener.info("Job creation paused: " + createForbidden(refusal) + ". No split is failed for it: they"
                    + " stay pending, with no attempt spent. "
                    + triedAgain("Creation", "is still refused", "resumes"));
        } else paused.later(now);
    }

    /** How a {@link Pause} goes on, in words: its backoff, a once run's give-up, and that its end is said. */
    private String triedAgain(String what, String still, String ends) {
        return what + " is tried again with a backoff (up to every " + CREATE_RETRY_MAX_MS / 1000 + " s)"
                + (run.mode() == RunOptions.Mode.WATCH
                        ? ""
                        : "; this once run ends with an error if it " + still + " after " + podPatience.toSeconds()
                                + " s")
                + "; said again when it " + ends;
    }

    private void resume() {
        listener.info("Job creation resumed: the API server allows the controller to create Jobs again, after "
                + (clock.millis() - paused.since) / 1000 + " s of: " + paused.refusal);
        paused = null;
    }

    /** What RBAC refused and what to fix, in words: the verb, the resource, the service account and the Role. */
    private String createForbidden(ApiRefusal refusal) {
        return "the API server refuses the controller's service account ("
                + refusal.user().orElse("the one it runs as") + ") the verb create on jobs (API group batch) in"
                + " namespace " + namespace + " (" + refusal + "): add it to the Role bound to it (Role " + roleName()
                + " as `sluice k8s generate --mode jobs` writes it: "
                + Manifests.describe(Manifests.jobsControllerRules()) + ")";
    }

    /**
     * Whether a {@code once} run gives up: Job creation has been refused longer than {@link #podPatience} (the minute
     * a Job's pods may be refused), and none of its Jobs is left unfinished or unrecorded. Its splits stay pending.
     */
    private boolean gaveUpCreating() {
        return paused != null
                && clock.millis() - paused.since >= podPatience.toMillis()
                && jobList().stream()
                        .allMatch(j ->
                                ended(j) && deleting.contains(j.getMetadata().getName()));
    }

    /**
     * A Job the API server refused to create, for a reason that a retry a moment later would meet again (a policy, Pod
     * Security, a quota the Job alone exceeds; not RBAC's: that {@link #pause}s creation): the split's attempt fails with the server's message and what to change, retried
     * under {@code run.retries} (a webhook or policy fixed meanwhile lets a later attempt through) and dead once they are spent, instead of a create sent
     * every moment for ever.
     */
    private void refusedCreate(Job job, KubernetesClientException e) {
        String splitId = job.getMetadata().getAnnotations().get(JobNames.SPLIT_ANNOTATION);
        ApiRefusal refusal = ApiRefusal.of(e);
        failUnsent(
                splitId,
                "no Job created: the API server refused to create Job "
                        + job.getMetadata().getName()
                        + " in namespace " + namespace + " (" + refusal + "); " + whatToChange(refusal)
                        + ", then `sluice retry` the split if it is dead by then",
                true);
    }

    /** What the user changes so that the API server accepts the Job, by the kind of its refusal. */
    private String whatToChange(ApiRefusal refusal) {
        Optional<QuotaRefusal.Excess> never = refusal.quotaNeverFits();
        if (never.isPresent()) return jobQuotaNeverFits(never.get());
        if (refusal.podSecurity().isPresent())
            return podSecurityFix(refusal.podSecurity().get());
        return "an admission webhook or policy that refuses the Job or its pod refuses it again at every retry: change"
                + " the policy or run.kubernetes";
    }
}
