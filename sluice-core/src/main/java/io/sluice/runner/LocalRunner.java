package io.sluice.runner;

import io.sluice.engine.DuckEngine;
import io.sluice.engine.EngineErrors;
import io.sluice.engine.SplitProcessor;
import io.sluice.engine.StepCheck;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.RunOptions;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerException;
import io.sluice.spi.MergingStep;
import io.sluice.spi.sink.PartialResults;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.WorkerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a pipeline with a pool of {@code parallelism} worker threads in this process. Each worker claims a split
 * (lease + fencing token), processes it, lets the sink commit, and only then records it done. Any number of
 * processes may run the same pipeline on one shared ledger: they divide the splits between them.
 *
 * <p>As a member of a worker pool ({@code sluice worker}) the runner also announces itself in the ledger, lists the
 * source only while it holds the pipeline's leader lease, and rides out ledger outages: calls are retried with
 * backoff, nothing new is claimed meanwhile, and a split it cannot record is taken over after its lease.
 */
public final class LocalRunner {
    private static final long IDLE_POLL_MS = 100;
    private static final long IDLE_MAX_MS = 1000;
    private static final long RECHECK_MS = 500;
    /** How often a run waiting for other processes' claims looks whether their holders are gone. */
    private static final long TAKEOVER_CHECK_MS = 1000;
    /** Claims looked at per check for holders that are gone. */
    private static final int TAKEOVER_SCAN = 1000;
    private static final long NEVER = Long.MAX_VALUE;
    private static final int SETTLE_PATIENCE = 5;
    /** A worker that stopped announcing itself is forgotten after this many leases. */
    private static final int WORKER_TTL_LEASES = 10;
    /**
     * The sink compacts the partial results once this many splits' partials are not compacted yet; the system
     * property {@code sluice.compact.at} changes it (crash tests compact at almost every merge).
     */
    static final int COMPACT_AT = Math.max(1, Integer.getInteger("sluice.compact.at", 16));
    private static final int MERGE_ATTEMPTS = 3;

    private final Assembly a;
    /** Lists the source and registers its splits; one per run, so a notice is given once. */
    private final Planner planner;
    private final RunOptions run;
    private final Clock clock;
    private final String owner;
    private final RunListener listener;
    private final RunStats stats = new RunStats();
    private final Map<String, Claim> inFlight = new ConcurrentHashMap<>();
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** Idle workers wait on it; new splits or a stop wake them. */
    private final Object wake = new Object();
    private volatile boolean interrupted;
    private boolean reportedWaiting;
    /** Workers asking the ledger for a split right now: a split they got is claimed before it is in flight. */
    private final java.util.concurrent.atomic.AtomicInteger claiming = new java.util.concurrent.atomic.AtomicInteger();
    /** When to look again for claims of processes that are gone. */
    private long nextTakeoverCheck;
    /** The last step, when it merges across splits (aggregate); null otherwise. */
    private final MergingStep merging;
    /** splitsDone when the merged result was last rebuilt; -1 before the first merge of this run. */
    private long mergedAt = -1;
    /** This process as a pool member; null for a plain run. */
    private final WorkerInfo member;
    private final Outage outage;
    /** Locks in the ledger, for the sink's commits. */
    private final LedgerLocks locks;
    /** A pool member lists the source only while this is true. */
    private volatile boolean leading;

    public LocalRunner(Assembly assembly, Clock clock, String owner, RunListener listener) {
        this(assembly, clock, owner, listener, null);
    }

    /** A member of a worker pool: always watching, whatever the pipeline's mode says. */
    public LocalRunner(Assembly assembly, Clock clock, WorkerInfo member, RunListener listener) {
        this(assembly, clock, member.id(), listener, member);
    }

    private LocalRunner(Assembly assembly, Clock clock, String owner, RunListener listener, WorkerInfo member) {
        this.a = assembly;
        this.planner = new Planner(assembly.source(), assembly.ledger());
        this.run = assembly.pipeline().run();
        this.clock = clock;
        this.owner = owner;
        this.listener = listener;
        this.merging = assembly.steps().isEmpty() || !(assembly.steps().getLast() instanceof MergingStep m) ? null : m;
        this.member = member;
        this.outage = new Outage(listener, clock);
        this.locks = new LedgerLocks(assembly.ledger(), owner, run.lease());
    }

    /** This process's scratch folder, removed at the end of the run. */
    private Path scratchRoot() {
        return run.engine().spillPath().resolve("scratch-" + ProcessHandle.current().pid());
    }

    public RunStats stats() {
        return stats;
    }

    /** Stop claiming; splits in flight finish and commit. */
    public void requestStop() {
        interrupted = true;
        stopping = true;
        wakeWorkers();
    }

    private void wakeWorkers() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Give every split in flight back to the ledger at once (a second Ctrl-C): another run will replay it. */
    public void releaseAll() {
        for (Claim c : inFlight.values()) a.ledger().release(c);
    }

    public RunSummary run() throws Exception {
        a.sink().check();
        a.sink().prepare();
        Ledger ledger = a.ledger();
        Map<SplitState, Long> before = ledger.counts();
        // claimed ones too: a killed run's splits are this run's to take over
        stats.planned.addAndGet(before.getOrDefault(SplitState.PENDING, 0L) + before.getOrDefault(SplitState.FAILED, 0L)
                + before.getOrDefault(SplitState.CLAIMED, 0L));
        Path scratch = scratchRoot();
        SplitProcessor processor = processor(a);
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sluice-heartbeat"));
        long beat = Math.max(200, run.lease().toMillis() / 3);
        heartbeats.scheduleAtFixedRate(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
        List<Thread> workers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(run.parallelism());
        try (DuckEngine engine = new DuckEngine(run.engine(), run.parallelism())) {
            Files.createDirectories(scratch);
            checkSteps(engine, scratch.resolve("sample"));
            if (member != null) beatAsMember();
            try {
                takeOverGone();
            } catch (LedgerException e) {
                if (member == null) throw e;
                outage.failed(e); // looked at again at the next interval
            }
            Plan first = member == null || leading ? planRound() : Plan.NOTHING;
            stats.seen.set(first.processed());
            for (int i = 0; i < run.parallelism(); i++) {
                Connection c = engine.connect();
                Thread t = new Thread(() -> {
                    try (c) {
                        work(c, processor, scratch);
                    } catch (Exception e) {
                        listener.info("worker stopped: " + e.getMessage());
                    } finally {
                        done.countDown();
                    }
                }, "sluice-worker-" + i);
                t.start();
                workers.add(t);
            }
            coordinate(done, first, engine);
            stopping = true;
            wakeWorkers();
            done.await();
            if (merging != null) merge(engine);
        } finally {
            heartbeats.shutdownNow();
            deleteTree(scratch);
            if (member != null) retire();
        }
        return new RunSummary(stats.splitsDone(), stats.attemptsFailed(), stats.splitsDead(), stats.seen(), stats.skipped(),
                stats.rowsIn(), stats.rowsOut(), stats.rejected(), stats.bytes(), stats.elapsedMillis(), interrupted, finalCounts());
    }

    /**
     * Binds the steps over a sample of the input before any split runs: a mistake in them stops the run with the
     * step's file and line (a {@link io.sluice.config.ConfigException}) instead of failing every split.
     */
    private void checkSteps(DuckEngine engine, Path sample) throws Exception {
        try (Connection c = engine.connect()) {
            StepCheck.Outcome checked = StepCheck.run(a, c, sample);
            if (!checked.checked()) {
                listener.info("the steps were not checked against the input: " + checked.skipped());
                planner.said(List.of(checked.skipped())); // (an include that matches nothing: said once)
            }
        } finally {
            deleteTree(sample);
        }
    }

    /** The engine's processor of the pipeline's splits; errors name each step as the pipeline file does. */
    static SplitProcessor processor(Assembly a) {
        List<String> stepNames = new ArrayList<>();
        for (int i = 0; i < a.steps().size(); i++) stepNames.add(StepCheck.name(i, a.pipeline().steps().get(i)));
        return new SplitProcessor(a.steps(), stepNames, a.sink(), a.pipeline().run().onBadRecord());
    }

    /** A pool member leaves the ledger's list of workers and frees the leader lease for the others at once. */
    private void retire() {
        try {
            a.ledger().retire(owner);
        } catch (LedgerException e) {
            listener.info("could not leave the pool in the ledger (the entry expires by itself): " + e.getMessage());
        }
    }

    /** The ledger's counts for the summary; a pool member stopping during an outage reports none. */
    private Map<SplitState, Long> finalCounts() {
        try {
            return a.ledger().counts();
        } catch (LedgerException e) {
            if (member == null) throw e;
            return Map.of();
        }
    }

    /**
     * Plans again when useful, and decides when a {@code once} run is finished. A {@code once} run waits for files
     * that are still being written to settle, but not forever: after {@link #SETTLE_PATIENCE} settle periods it
     * leaves them to the next run.
     */
    private void coordinate(CountDownLatch workersDone, Plan first, DuckEngine engine) throws Exception {
        boolean watch = member != null || run.mode() == RunOptions.Mode.WATCH;
        long giveUp = clock.millis() + Math.max(5_000, SETTLE_PATIENCE * settleHint(first));
        long nextPlan = nextPlan(watch, first, giveUp);
        while (!stopping) {
            if (workersDone.await(IDLE_POLL_MS, TimeUnit.MILLISECONDS)) return;
            try {
                // in a pool only the leader lists; the others keep their turn for when they lead
                if (clock.millis() >= nextPlan && (member == null || leading)) {
                    nextPlan = nextPlan(watch, planRound(), giveUp);
                }
                if (!watch && nextPlan == NEVER && finished()) return;
                if (watch && clock.millis() >= nextTakeoverCheck) {
                    takeOverGone();
                    nextTakeoverCheck = clock.millis() + run.interval().toMillis();
                }
                if (watch && merging != null && mergeDue()) {
                    try {
                        merge(engine);
                    } catch (Exception e) {
                        listener.info("merging the partial results failed (tried again after the next split): " + e.getMessage());
                    }
                }
            } catch (LedgerException e) {
                if (member == null) throw e;
                outage.failed(e); // planned again at the next interval
                if (clock.millis() >= nextPlan) nextPlan = clock.millis() + run.interval().toMillis();
            }
        }
    }

    private long nextPlan(boolean watch, Plan plan, long giveUp) {
        long now = clock.millis();
        if (watch) return now + run.interval().toMillis();
        if (plan.waiting() > 0 && now < giveUp) return now + RECHECK_MS;
        if (plan.waiting() > 0) listener.info(plan.waiting() + " file(s) still changing; left for the next run");
        return NEVER;
    }

    /** The longest time a waiting input said it needs; the files source reports its settle time. */
    private static long settleHint(Plan plan) {
        return plan.skipped().stream().filter(Skipped::waiting).mapToLong(Skipped::settleMillis).max().orElse(0);
    }

    private Plan planRound() throws IOException {
        Plan plan = planner.plan();
        stats.planned.addAndGet(plan.splits().size());
        stats.skipped.set(plan.count(Skipped.Why.SKIPPED));
        plan.notices().forEach(listener::info);
        if (!plan.splits().isEmpty()) wakeWorkers();
        listener.planned(plan);
        return plan;
    }

    /** In watch mode: merge once splits were completed since the last merge and nothing is left to do for now. */
    private boolean mergeDue() {
        if (stats.splitsDone() == mergedAt || stats.inFlight() > 0) return false;
        Map<SplitState, Long> counts = a.ledger().counts();
        return counts.getOrDefault(SplitState.PENDING, 0L) + counts.getOrDefault(SplitState.CLAIMED, 0L) == 0;
    }

    /**
     * Rebuilds the merged result (aggregate totals) from the partial of every split the ledger has done. Only those:
     * after a reset, splits may be cut differently, and the partials of the forgotten ones must not count again.
     * First, once {@link #COMPACT_AT} partials are not compacted yet, the sink folds them into its compacted partial,
     * so a merge reads a few files however long the run. A merge that fails (another process compacted the files it
     * was reading) is tried again.
     */
    private void merge(DuckEngine engine) throws Exception {
        long done = stats.splitsDone();
        for (int attempt = 1; ; attempt++) {
            try {
                mergeOnce(engine);
                break;
            } catch (Exception e) {
                if (attempt >= MERGE_ATTEMPTS) throw e;
                listener.info("merging the partial results failed, trying again: " + e.getMessage());
            }
        }
        mergedAt = done;
    }

    private void mergeOnce(DuckEngine engine) throws Exception {
        // one listing of the done splits serves the compaction and the merge, unless the sink asks for a new one
        List<SplitInfo> first = a.ledger().splits(EnumSet.of(SplitState.DONE), Integer.MAX_VALUE);
        var listed = new java.util.concurrent.atomic.AtomicReference<>(first.stream().map(PartialResults.Done::of).toList());
        PartialResults.DoneSplits done = again -> {
            if (again) listed.set(a.ledger().splits(EnumSet.of(SplitState.DONE), Integer.MAX_VALUE).stream().map(PartialResults.Done::of).toList());
            return listed.get();
        };
        PartialResults partials = a.sink().partialResults().orElseThrow(() -> new IllegalStateException(
                "the sink cannot hold partial results: an aggregate step needs another sink"));
        Path scratch = scratchRoot().resolve("merge-" + Thread.currentThread().threadId());
        Files.createDirectories(scratch);
        try (Connection c = engine.connect()) {
            try {
                int folded = a.source().plansNewVersions() || outdated(first) ? 0
                        : partials.compact(done, (in, out) -> io.sluice.engine.Merges.fold(c, merging, in, out), COMPACT_AT, locks, scratch);
                if (folded > 0) listener.info("partial results of " + folded + " split(s) compacted");
            } catch (Exception e) {
                // nothing is lost: a compaction that stops anywhere leaves the partials as a merge reads them
                listener.info("compacting the partial results failed (tried again at the next merge): " + e.getMessage());
            }
            var written = io.sluice.engine.Merges.merge(c, merging, partials, done, scratch);
            if (written.isPresent()) {
                listener.info((merging.changesOnly() ? "changed groups written: " : "totals rebuilt: ")
                        + written.get().rowsOut() + " row(s)");
            }
        } finally {
            deleteTree(scratch);
        }
    }

    /**
     * Whether some done split was made by another version of the pipeline. Then nothing is compacted: a compacted
     * file must only hold splits that a rebuild ({@link Ledger#requeueOutdated}) sends back all together, or none of.
     * Otherwise the rebuild would make the file unusable while the partials of its current splits were deleted.
     */
    private boolean outdated(List<SplitInfo> done) {
        String current = a.pipeline().version();
        return done.stream().anyMatch(s -> !current.equals(s.pipelineVersion()));
    }

    /**
     * Nothing left to do: no pending or retryable split and none claimed. Splits claimed by other processes are
     * waited for: those of a process on this machine that is gone are taken over at once; if another machine's
     * process crashed, its lease expires and this run takes the split over then.
     */
    private boolean finished() {
        if (stats.inFlight() > 0 || claiming.get() > 0) return false;
        Map<SplitState, Long> counts = a.ledger().counts();
        long open = counts.getOrDefault(SplitState.PENDING, 0L) + counts.getOrDefault(SplitState.FAILED, 0L);
        long held = counts.getOrDefault(SplitState.CLAIMED, 0L);
        if (open == 0 && held > 0 && clock.millis() >= nextTakeoverCheck) {
            nextTakeoverCheck = clock.millis() + TAKEOVER_CHECK_MS;
            List<SplitInfo> others = takeOverGone();
            if (!others.isEmpty() && !reportedWaiting) {
                reportedWaiting = true;
                Instant until = others.stream().map(SplitInfo::leaseUntil).filter(java.util.Objects::nonNull)
                        .max(Instant::compareTo).orElse(clock.instant());
                listener.info("waiting for " + others.size() + " split(s) claimed by other processes, running or "
                        + "beyond this machine's sight (another machine, an id without a start time); if they crashed, "
                        + "their leases expire by " + until + " and this run takes the splits over");
            }
        }
        return open == 0 && held == 0;
    }

    /**
     * Ends at once the leases of claims whose holder is a process of this machine that is gone ({@link OwnerId#gone}),
     * so they are claimed again now rather than after their lease.
     *
     * @return the live claims of other processes that are left
     */
    private List<SplitInfo> takeOverGone() {
        Instant now = clock.instant();
        Map<String, Boolean> gone = new java.util.HashMap<>();
        List<SplitInfo> others = new ArrayList<>();
        boolean freed = false;
        for (SplitInfo s : a.ledger().splits(EnumSet.of(SplitState.CLAIMED), TAKEOVER_SCAN)) {
            if (owner.equals(s.owner()) || s.leaseUntil() == null || !s.leaseUntil().isAfter(now)) continue;
            boolean holderGone = s.owner() != null && gone.computeIfAbsent(s.owner(),
                    o -> OwnerId.parse(o).map(OwnerId::gone).orElse(false));
            if (holderGone && a.ledger().expire(s.id(), s.token())) {
                freed = true;
                listener.info("split " + s.id() + " was claimed by " + s.owner() + ", a process of this machine that "
                        + "is gone: taken over now, not after its lease (" + s.leaseUntil() + ")");
            } else if (!holderGone) {
                others.add(s);
            }
        }
        if (freed) wakeWorkers();
        return others;
    }

    /**
     * Claims and processes splits until the run stops. With nothing to claim, a worker waits longer each time (up to
     * {@link #IDLE_MAX_MS}), so an idle watch run costs next to nothing; a scan that registers splits wakes it.
     */
    private void work(Connection c, SplitProcessor processor, Path scratch) throws InterruptedException {
        long idle = IDLE_POLL_MS;
        int failures = 0;
        while (!stopping) {
            Optional<Claim> claim;
            long asked = System.nanoTime();
            claiming.incrementAndGet();
            try {
                claim = a.ledger().claim(owner, run.lease());
                outage.answered();
                failures = 0;
            } catch (LedgerException e) {
                claiming.decrementAndGet();
                if (member == null) throw e;
                outage.failed(e);
                pause(Outage.pause(++failures));
                continue;
            }
            if (claim.isEmpty()) {
                claiming.decrementAndGet();
                synchronized (wake) {
                    if (!stopping) wake.wait(idle);
                }
                idle = Math.min(idle * 2, IDLE_MAX_MS);
                continue;
            }
            idle = IDLE_POLL_MS;
            long claimed = System.nanoTime();
            stats.inFlight.incrementAndGet(); // first: a split is always counted as being claimed or in flight
            claiming.decrementAndGet();
            process(c, processor, scratch, claim.get());
            stats.ledgerNanos.addAndGet(claimed - asked);
            stats.splitNanos.addAndGet(System.nanoTime() - asked);
        }
    }

    /** Processes a claimed split, counted in flight by the caller. */
    private void process(Connection c, SplitProcessor processor, Path scratch, Claim claim) {
        inFlight.put(claim.splitId(), claim);
        long start = System.nanoTime();
        Path dir = scratch.resolve("t" + claim.token() + "-" + Math.abs(claim.splitId().hashCode()));
        try {
            Files.createDirectories(dir);
            SplitProcessor.Result r;
            try (SplitReader reader = a.source().open(claim.split(), new ReadContext(dir))) {
                for (Skipped s : reader.skipped()) listener.info("split " + claim.splitId() + ": " + s.key() + " left out: " + s.reason());
                String incarnation = incarnation();
                r = processor.process(c, claim.split(), reader.files(), commitContext(claim, incarnation));
            }
            Completion completion = new Completion(r.rowsIn(), r.rowsOut(), r.rejected(), r.outputs(), a.pipeline().version());
            patiently(() -> {
                a.ledger().complete(claim, completion);
                return null;
            });
            stats.splitsDone.incrementAndGet();
            stats.rowsIn.addAndGet(r.rowsIn());
            stats.rowsOut.addAndGet(r.rowsOut());
            stats.rejected.addAndGet(r.rejected());
            stats.bytes.addAndGet(claim.split().bytes());
            listener.finished(claim, completion, (System.nanoTime() - start) / 1_000_000);
            afterProcessed(claim);
        } catch (StaleClaimException e) {
            listener.stale(claim, e.getMessage());
        } catch (LedgerException e) {
            if (member == null) throw e;
            listener.info("split " + claim.splitId() + " left unrecorded while stopping; another worker takes it over "
                    + "when its lease ends: " + e.getMessage());
        } catch (Exception e) {
            // an error that repeats comes from the steps, not from one unreadable input: nothing to divide
            boolean retryable = EngineErrors.retryable(e);
            if (!retryable || !divided(c, processor, dir, claim)) fail(claim, describe(claim, e), retryable);
        } finally {
            inFlight.remove(claim.splitId());
            lost.remove(claim.splitId());
            stats.inFlight.decrementAndGet();
            try {
                deleteTree(dir);
            } catch (IOException ignored) {
                // scratch is removed with the run's scratch folder at the end
            }
        }
    }

    /**
     * A failed split of several inputs of which some fail on their own is replaced, without counting an attempt, by a
     * split of the others and one split per unreadable input ({@link Divider}); first the sink removes anything the
     * split's attempts left. False when the split stays whole and fails as usual.
     */
    private boolean divided(Connection c, SplitProcessor processor, Path scratch, Claim claim) {
        Optional<Divider.Division> division;
        try {
            division = new Divider(a.source(), a.ledger(), processor).divide(c, claim.split(), scratch);
        } catch (RuntimeException e) { // the ledger unreachable, say: the split fails as usual
            listener.info("split " + claim.splitId() + " stays whole: looking for its unreadable inputs failed: " + e);
            return false;
        }
        if (division.isEmpty()) return false;
        try {
            a.sink().discard(claim.split(), commitContext(claim, null));
            List<String> registered = patiently(() -> a.ledger().replace(claim, division.get().splits()));
            stats.planned.addAndGet(registered.size() - 1);
            stats.divided.add(division.get().message());
            listener.info(division.get().message());
            wakeWorkers();
        } catch (StaleClaimException stale) {
            listener.stale(claim, stale.getMessage());
        } catch (LedgerException e) {
            if (member == null) throw e;
            listener.info("split " + claim.splitId() + " was not planned again without its unreadable inputs (the "
                    + "ledger is unreachable); it runs again when its lease ends: " + e.getMessage());
        } catch (Exception e) {
            listener.info("split " + claim.splitId() + " stays whole: what its attempts left in the sink could not be "
                    + "removed: " + e.getMessage());
            return false;
        }
        return true;
    }

    /**
     * What the source does with a split's inputs once the split is committed and recorded ({@code after: delete},
     * {@code move_to}). A failure loses nothing (the split is done): it is reported, and the inputs stay.
     */
    private void afterProcessed(Claim claim) {
        try {
            a.source().processed(claim.split());
        } catch (IOException | RuntimeException e) {
            listener.info("split " + claim.splitId() + " is done, but its inputs were not removed or moved (`after`): "
                    + e.getMessage());
        }
    }

    /** @param retryable false: another attempt would fail the same way, so the split is dead at once */
    private void fail(Claim claim, String cause, boolean retryable) {
        Instant now = clock.instant();
        Optional<Instant> retryAt = retryable ? run.retries().nextTry(claim.attempt(), now) : Optional.empty();
        String error = retryable ? cause : cause + " (not retried: it fails the same way on every attempt; fix the "
                + "cause, then `sluice retry`)";
        try {
            patiently(() -> {
                a.ledger().fail(claim, error, retryAt);
                return null;
            });
            stats.attemptsFailed.incrementAndGet();
            if (retryAt.isEmpty()) stats.splitsDead.incrementAndGet();
            listener.failed(claim, error, retryAt.map(t -> Duration.between(now, t).toMillis()).orElse(-1L));
        } catch (StaleClaimException stale) {
            listener.stale(claim, stale.getMessage());
        } catch (LedgerException e) {
            if (member == null) throw e;
            listener.info("the failure of split " + claim.splitId() + " left unrecorded while stopping; it runs again "
                    + "when its lease ends: " + e.getMessage());
        }
    }

    /**
     * The ledger's incarnation, asked after the claim: a reset since then fences the claim, so a split's output is never
     * committed under an incarnation other than the split's.
     */
    private String incarnation() throws StaleClaimException {
        return patiently(() -> a.ledger().incarnation());
    }

    /**
     * What a claimed split's commit rests on: its claim, its source's check that the inputs are current, the
     * incarnation it was claimed in, and locks in the ledger.
     */
    private SplitCommit commitContext(Claim claim, String incarnation) {
        return new SplitCommit(() -> fence(claim), () -> a.source().current(claim.split()), incarnation, claim.attempt(),
                locks);
    }

    /** The sink asks right before it commits: a claim taken over meanwhile must not commit. */
    private void fence(Claim claim) throws StaleClaimException {
        if (lost.contains(claim.splitId()) || !patiently(() -> a.ledger().isCurrent(claim))) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @FunctionalInterface
    private interface LedgerCall<T> {
        T call() throws StaleClaimException;
    }

    /**
     * A ledger call about a split in flight. A pool member retries it with backoff while the ledger is unreachable:
     * the split's work is done and only waits to be recorded. While stopping it gives up after one lease; the split
     * then runs again elsewhere, which the sink's replace-on-replay makes harmless.
     */
    private <T> T patiently(LedgerCall<T> call) throws StaleClaimException {
        long firstFailure = -1;
        for (int failures = 1; ; failures++) {
            long start = System.nanoTime();
            try {
                T result = call.call();
                stats.ledgerNanos.addAndGet(System.nanoTime() - start);
                outage.answered();
                return result;
            } catch (LedgerException e) {
                if (member == null) throw e;
                outage.failed(e);
                if (firstFailure < 0) firstFailure = clock.millis();
                if (stopping && clock.millis() - firstFailure > run.lease().toMillis()) throw e;
                pause(Outage.pause(failures));
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void heartbeat() {
        if (member != null) beatAsMember();
        for (Claim c : inFlight.values()) {
            try {
                if (!a.ledger().heartbeat(c, run.lease())) lost.add(c.splitId());
            } catch (LedgerException e) {
                if (member == null) listener.info("heartbeat for " + c.splitId() + " failed: " + e.getMessage());
                else outage.failed(e);
            } catch (RuntimeException e) {
                listener.info("heartbeat for " + c.splitId() + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * Tells the ledger this member is alive and takes or keeps the leader lease. The lease is as long as a split's:
     * a leader that died is replaced within one lease, like a worker that died.
     */
    private void beatAsMember() {
        try {
            a.ledger().announce(member, run.lease().multipliedBy(WORKER_TTL_LEASES));
            boolean was = leading;
            leading = a.ledger().lead(owner, run.lease());
            outage.answered();
            if (leading && !was) listener.info("leading the pool: this worker lists the source for all");
            if (was && !leading) listener.info("another worker leads the pool now; this one only claims");
        } catch (LedgerException e) {
            leading = false;
            outage.failed(e);
        }
    }

    /** An error message that names the split and its files, so the user knows where to look. */
    private String describe(Claim claim, Exception e) {
        String files = a.source().describe(claim.split());
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException nf) message = "no such file " + nf.getFile()
                + (nf.getReason() == null ? "" : ": " + nf.getReason());
        return "split " + claim.splitId() + " (" + files + "), attempt " + claim.attempt() + ": " + message.strip();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Splits that failed or died, for the summary. */
    public List<SplitInfo> problems(int limit) {
        return a.ledger().splits(EnumSet.of(SplitState.FAILED, SplitState.DEAD), limit);
    }
}
