package io.sluice.runner;

import io.sluice.config.Secret;
import io.sluice.engine.DuckEngine;
import io.sluice.engine.EngineErrors;
import io.sluice.engine.SplitProcessor;
import io.sluice.engine.StepCheck;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.RunOptions;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.planning.Superseded;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Folders;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerException;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.source.NotReadyYet;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.SplitReader;
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
import java.util.concurrent.CountDownLatch;

/**
 * Runs a pipeline with a pool of {@code parallelism} worker threads in this process. Each worker claims a split
 * (lease + fencing token), processes it, lets the sink commit, and only then records it done. Any number of
 * processes may run the same pipeline on one shared ledger: they divide the splits between them.
 *
 * <p>As a member of a worker pool ({@code sluice worker}) the runner also announces itself in the ledger, lists the
 * source only while it holds the pipeline's leader lease, and rides out ledger outages: calls are retried with
 * backoff, nothing new is claimed meanwhile, and a split it cannot record is taken over after its lease.
 *
 * <p>Its parts, one job each: {@link ClaimLoop} (a worker thread's claims), {@link Heartbeats} (the leases of the
 * claims held), {@link PoolMembership} (a pool member's entry and the leader lease), {@link StopPolicy} (once/watch,
 * signals), {@link Takeover} (claims of processes that are gone), {@link Outage} (riding out a ledger outage),
 * {@link Scratch} (scratch folders), {@link SplitExecution} (one named split, once) and {@link Merger} (an aggregate's
 * merged result, one merge at a time). This class plans, runs each split through the engine into the sink, records
 * it, and asks for merges when due.
 */
public final class LocalRunner implements Runner {
    private static final long IDLE_POLL_MS = 100;
    private final Assembly a;
    /** Lists the source and registers its splits; one per run, so a notice is given once. */
    private final Planner planner;

    private final RunOptions run;
    private final Clock clock;
    private final String owner;
    private final RunListener listener;
    private final RunStats stats = new RunStats();
    /** When a watching run looks again for claims of processes that are gone. */
    private long nextTakeoverCheck;
    /** Rebuilds an aggregate's merged result; null when the last step merges nothing across splits. */
    private final Merger merger;
    /** This process as a pool member; null for a plain run. */
    private final WorkerInfo member;

    private final Outage outage;
    private final StopPolicy stop;
    private final Takeover takeover;
    private final Heartbeats heartbeats;
    private final ClaimLoop claimLoop;
    /** This process in the pool; null for a plain run. */
    private final PoolMembership membership;
    /** Locks in the ledger, for the sink's commits. */
    private final LedgerLocks locks;

    public LocalRunner(Assembly assembly, Clock clock, String owner, RunListener listener) {
        this(assembly, clock, owner, listener, null);
    }

    /** A member of a worker pool: always watching, whatever the pipeline's mode says. */
    public LocalRunner(Assembly assembly, Clock clock, WorkerInfo member, RunListener listener) {
        this(assembly, clock, member.id(), listener, member);
    }

    private LocalRunner(Assembly assembly, Clock clock, String owner, RunListener listener, WorkerInfo member) {
        this.a = assembly;
        this.planner = new Planner(assembly.source(), assembly.pipeline().source(), assembly.ledger());
        this.run = assembly.pipeline().run();
        this.clock = clock;
        this.owner = owner;
        this.listener = listener;
        this.member = member;
        Ledger ledger = assembly.ledger();
        this.takeover = new Takeover(ledger, ledger, owner, clock, listener, this::wakeWorkers);
        this.stop = new StopPolicy(
                member != null || run.mode() == RunOptions.Mode.WATCH,
                run.interval(),
                run.schedule(),
                ledger,
                takeover,
                clock,
                listener);
        this.outage = new Outage(listener, clock, member != null, run.lease(), stop::stopping, stop::stop, stats);
        this.heartbeats = new Heartbeats(ledger, run.lease(), listener, outage);
        this.claimLoop = new ClaimLoop(ledger, owner, run.lease(), stop, outage, stats);
        this.membership = member == null ? null : new PoolMembership(ledger, member, run.lease(), listener, outage);
        this.locks = new LedgerLocks(ledger, owner, run.lease(), outage::duringCommit);
        this.merger = Merger.of(assembly, locks, listener).orElse(null);
    }

    @Override
    public RunStats stats() {
        return stats;
    }

    /** Stop claiming; splits in flight finish and commit. */
    @Override
    public void requestStop() {
        stop.requestStop();
    }

    /**
     * Whether the run is stopping: asked to (SIGTERM), or over (nothing left for a once run, or its coordinator
     * failed: an outage, a listing); its splits in flight may still run.
     */
    public boolean stopping() {
        return stop.stopping();
    }

    private void wakeWorkers() {
        stop.wake();
    }

    /**
     * Give every split in flight back to the ledger at once (a second Ctrl-C): another run will replay it. The
     * commands an exec step runs for them are killed first: the process quits next, and they would outlive it.
     */
    @Override
    public List<String> releaseAll() {
        for (var step : a.steps()) if (step instanceof io.sluice.spi.FileStep files) files.stopNow();
        return heartbeats.releaseAll();
    }

    @Override
    public RunSummary run() throws Exception {
        checkStepsRunHere();
        a.sink().check();
        a.sink().prepare();
        Ledger ledger = a.ledger();
        Map<SplitState, Long> before = ledger.counts();
        // claimed ones too: a killed run's splits are this run's to take over
        stats.planned.addAndGet(before.getOrDefault(SplitState.PENDING, 0L)
                + before.getOrDefault(SplitState.FAILED, 0L)
                + before.getOrDefault(SplitState.CLAIMED, 0L));
        SplitProcessor processor = processor(a);
        heartbeats.start();
        // from the start, as a worker's beat always was: a pool whose leader was killed needs a new one within a lease
        if (membership != null) membership.join();
        CountDownLatch done = new CountDownLatch(run.parallelism());
        try (Scratch scratch = Scratch.create(run.engine().spillPath(), "scratch");
                EngineStart starting = EngineStart.begin(run.engine(), run.parallelism())) {
            if (StepCheck.hasAnythingToCheck(a)) checkSteps(starting.engine(), scratch.folder("sample"));
            try {
                takeover.freeGone();
            } catch (LedgerException e) {
                outage.survive(e); // looked at again at the next interval
            }
            a.source().running(stop.watching(), listener::info);
            Plan first = mayList() && stop.plansAtStart() ? planRound() : Plan.NOTHING;
            stats.seen.set(first.processed());
            DuckEngine engine = starting.engine();
            for (int i = 0; i < run.parallelism(); i++) {
                Connection c = engine.connect();
                Thread t = new Thread(
                        () -> {
                            try (c) {
                                claimLoop.run(claim -> process(c, processor, scratch, claim));
                            } catch (Exception e) {
                                listener.info("worker stopped: " + e.getMessage());
                            } finally {
                                done.countDown();
                                stop.nudge();
                            }
                        },
                        "sluice-worker-" + i);
                t.start();
            }
            try {
                coordinate(done, first, engine);
            } finally {
                // also when the coordinator failed (a listing of the source): the splits in flight end and are
                // recorded, and no worker claims on after the run, its engine and its heartbeats ended
                stop.stop();
                done.await();
            }
            outage.throwIfStopped();
            if (merger != null) merger.merge(engine, stats.splitsDone(), Merger.WAIT);
        } finally {
            heartbeats.close();
            if (membership != null) membership.close();
            a.sink().finish();
        }
        Superseded.Ended ended = finalCounts();
        return new RunSummary(
                stats.splitsDone(),
                stats.attemptsFailed(),
                stats.splitsDead(),
                stats.seen(),
                stats.skipped(),
                stats.rowsIn(),
                stats.rowsOut(),
                stats.rejected(),
                stats.bytes(),
                stats.elapsedMillis(),
                stop.interrupted(),
                ended.counts(),
                ended.replaced());
    }

    /**
     * Claims the named split and runs it once, through the same per-split path as {@link #run} (engine, sink commit
     * under the claim's fencing token, record): the entry of a one-split Kubernetes Job. Nothing is planned and the
     * steps are not checked against a sample first (whoever registered the split did); an aggregate's merged result is
     * rebuilt after a split done, as at the end of a run.
     */
    public SplitExecution.Result runSplit(String splitId) throws Exception {
        checkStepsRunHere();
        a.sink().check();
        a.sink().prepare();
        SplitProcessor processor = processor(a);
        heartbeats.start();
        SplitExecution.Result result;
        try (Scratch scratch = Scratch.create(run.engine().spillPath(), "scratch");
                DuckEngine engine = new DuckEngine(run.engine(), 1)) {
            try (Connection c = engine.connect()) {
                result = new SplitExecution(a.ledger(), a.ledger(), owner, run.lease(), stats)
                        .run(splitId, claim -> process(c, processor, scratch, claim));
            }
            if (merger != null && result.outcome() == SplitExecution.Outcome.DONE)
                merger.merge(engine, stats.splitsDone(), Merger.WAIT);
        } finally {
            heartbeats.close();
            a.sink().finish();
        }
        return result;
    }

    /** A step this process cannot run (an exec step's container image) stops the run before any split is claimed. */
    private void checkStepsRunHere() {
        for (var step : a.steps()) if (step instanceof io.sluice.spi.FileStep f) f.checkRunsHere();
    }

    /** A plain run lists the source whenever it plans; a pool member only while it leads the pool. */
    private boolean mayList() {
        return membership == null || membership.leading();
    }

    /**
     * Binds the steps over a sample of the input before any split runs: a mistake in them stops the run with the
     * step's file and line (a {@link io.sluice.config.ConfigException}) instead of failing every split. Called only
     * when {@link StepCheck#hasAnythingToCheck}: a run without steps, into a sink that needs no column, reads no sample,
     * and plans while the engine starts.
     */
    private void checkSteps(DuckEngine engine, Path sample) throws Exception {
        try (Connection c = engine.connect()) {
            StepCheck.Outcome checked = StepCheck.run(a, c, sample);
            if (!checked.checked()) {
                listener.info("the steps were not checked against the input: " + checked.skipped());
                planner.said(List.of(checked.skipped())); // (an include that matches nothing: said once)
            }
        } finally {
            Folders.deleteTree(sample);
        }
    }

    /** The engine's processor of the pipeline's splits; errors name each step as the pipeline file does. */
    static SplitProcessor processor(Assembly a) {
        List<String> stepNames = new ArrayList<>();
        for (int i = 0; i < a.steps().size(); i++)
            stepNames.add(StepCheck.name(i, a.pipeline().steps().get(i)));
        return new SplitProcessor(
                a.steps(), stepNames, a.sink(), a.pipeline().run().onBadRecord());
    }

    /** The ledger's counts for the summary; a pool member stopping during an outage reports none. */
    private Superseded.Ended finalCounts() {
        try {
            return Superseded.ended(a.ledger(), a.ledger().counts());
        } catch (LedgerException e) {
            if (member == null) throw e;
            return new Superseded.Ended(Map.of(), 0);
        }
    }

    /** Plans again when useful and merges aggregates when due, until the {@link StopPolicy} ends the run. */
    private void coordinate(CountDownLatch workersDone, Plan first, DuckEngine engine) throws Exception {
        boolean watch = stop.watching();
        stop.planned(first.waiting(), SettlePatience.settleMillis(first));
        while (!stop.stopping()) {
            stop.awaitTurn(IDLE_POLL_MS); // a worker that stops nudges: no wait after the last one
            if (workersDone.getCount() == 0) return;
            try {
                // in a pool only the leader lists; the others keep their turn for when they lead
                if (stop.planDue() && mayList()) {
                    Plan plan = planRound();
                    stop.planned(plan.waiting(), SettlePatience.settleMillis(plan));
                }
                if (stop.finished(() -> stats.inFlight() > 0 || claimLoop.claiming())) return;
                if (watch && clock.millis() >= nextTakeoverCheck) {
                    takeover.freeGone();
                    nextTakeoverCheck = clock.millis() + run.interval().toMillis();
                }
                if (watch && merger != null && merger.due(stats.splitsDone(), stats.inFlight())) {
                    try {
                        merger.merge(engine, stats.splitsDone(), Duration.ZERO); // another merge at work: a later turn
                    } catch (Exception e) {
                        listener.info("merging the partial results failed (tried again after the next split): "
                                + e.getMessage());
                    }
                }
            } catch (LedgerException e) {
                try {
                    outage.survive(e);
                } catch (LedgerException stopped) {
                    return; // the run stops: it ends with this error once its workers stopped (throwIfStopped)
                }
                stop.planFailed(); // planned again at the next interval
            }
        }
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

    /** Processes a claimed split, counted in flight by the caller. */
    private void process(Connection c, SplitProcessor processor, Scratch scratch, Claim claim) {
        long ledgerFailures = stats.ledgerFailures();
        heartbeats.hold(claim);
        long start = System.nanoTime();
        Path dir = scratch.forSplit(claim);
        // the reader's and the writer's folders apart: each is given an empty one
        Path reading = dir.resolve("source");
        boolean opened = false; // an error before: the source's, opening the inputs (fetching them from a store)
        try {
            Files.createDirectories(reading);
            Path writing = Files.createDirectories(dir.resolve("sink"));
            SplitProcessor.Result r;
            SplitReader opening = a.source().open(claim.split(), new ReadContext(reading, scratch::newFile));
            opened = true;
            try (SplitReader reader = opening) {
                for (Skipped s : reader.skipped()) {
                    listener.info("split " + claim.splitId() + ": " + s.key() + " left out: " + s.reason());
                    stats.leftOut(claim.splitId(), s);
                }
                String incarnation = incarnation();
                // an outage ridden out since the claim (opening the source, asking the incarnation): the lease may have
                // run out meanwhile and another worker taken the split over; finding out now saves processing it for
                // a commit the fence would refuse
                if (stats.ledgerFailures() != ledgerFailures) fence(claim);
                r = processor.process(
                        c,
                        claim.split(),
                        reader.files(),
                        commitContext(claim, incarnation),
                        new WriteContext(writing, claim.token()));
            }
            Completion completion = new Completion(
                    r.rowsIn(),
                    r.rowsOut(),
                    r.rejected(),
                    r.outputs(),
                    a.pipeline().version());
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
        } catch (NotReadyYet e) {
            // nothing to divide either: the split is whole once its input is ready
            fail(claim, describe(claim, e), true, Optional.of(e.readyAt()));
        } catch (Exception e) {
            // a bad input harms no other in its pack: one that cannot be read (an error of reading that may pass, or
            // a damaged file) is found by reading each input alone; one holding a value a step refuses, or a bad
            // record under on_bad_record: fail, by also running the steps over each alone
            boolean retryable = EngineErrors.retryable(e);
            Optional<Divider.Check> check = Divider.Check.of(e, !opened);
            Divider.Outcome outcome =
                    check.isEmpty() ? Divider.Whole.QUIET : divided(c, processor, dir, claim, check.get());
            if (outcome instanceof Divider.Whole whole)
                fail(
                        claim,
                        describe(claim, e) + whole.found().map(f -> "; " + f).orElse(""),
                        retryable,
                        Optional.empty());
        } finally {
            heartbeats.drop(claim);
            stats.inFlight.decrementAndGet();
            scratch.recycle(reading);
            scratch.remove(dir);
        }
    }

    /**
     * A failed split of several inputs of which some fail on their own is replaced, without counting an attempt, by a
     * split of the others and one split per input that fails alone ({@link Divider}); first the sink removes anything
     * the split's attempts left. {@link Divider.Whole} when the split stays whole and fails as usual.
     */
    private Divider.Outcome divided(
            Connection c, SplitProcessor processor, Path scratch, Claim claim, Divider.Check check) {
        Divider.Outcome outcome;
        try {
            outcome = new Divider(a.source(), a.ledger(), processor).divide(c, claim.split(), scratch, check);
        } catch (RuntimeException e) { // the ledger unreachable, say: the split fails as usual
            listener.info(
                    "split " + claim.splitId() + " stays whole: looking for its inputs that fail alone failed: " + e);
            return Divider.Whole.QUIET;
        }
        if (!(outcome instanceof Divider.Division division)) return outcome;
        try {
            a.sink().discard(claim.split(), commitContext(claim, null));
            List<String> registered = patiently(() -> a.ledger().replace(claim, division.splits()));
            stats.planned.addAndGet(registered.size() - 1);
            stats.divided.add(division.message());
            listener.info(division.message());
            wakeWorkers();
        } catch (StaleClaimException stale) {
            listener.stale(claim, stale.getMessage());
        } catch (LedgerException e) {
            if (member == null) throw e;
            listener.info("split " + claim.splitId() + " was not planned again without its inputs that fail alone (the "
                    + "ledger is unreachable); it runs again when its lease ends: " + e.getMessage());
        } catch (Exception e) {
            listener.info("split " + claim.splitId() + " stays whole: what its attempts left in the sink could not be "
                    + "removed: " + e.getMessage());
            return Divider.Whole.QUIET;
        }
        return division;
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

    /**
     * @param retryable false: another attempt would fail the same way, so the split is dead at once
     * @param readyAt   when the split's input is ready ({@link NotReadyYet}): it is tried again then, not at its
     *                  backoff, which may run out before; the attempt counts, so an input never ready still ends
     */
    private void fail(Claim claim, String cause, boolean retryable, Optional<Instant> readyAt) {
        Instant now = clock.instant();
        Optional<Instant> retryAt = nextTry(claim, retryable, readyAt, now);
        String why = !retryable
                ? " (not retried: it fails the same way on every attempt; fix the cause, then `sluice retry`)"
                : readyAt.isPresent() && retryAt.isEmpty()
                        ? " (not tried again: still not ready after " + claim.attempt() + " attempt(s), each made "
                                + "when it was due to be ready (run.retries.max "
                                + run.retries().max()
                                + "); `sluice retry` the split once it is)"
                        : "";
        // masked before it is stored: the ledger's reason is read later by status, by other machines, by tools
        String error = Secret.redact(cause + why);
        try {
            patiently(() -> {
                a.ledger().fail(claim, error, retryAt);
                return null;
            });
            stats.attemptsFailed.incrementAndGet();
            if (retryAt.isEmpty()) stats.splitsDead.incrementAndGet();
            listener.failed(
                    claim,
                    error,
                    retryAt.map(t -> Duration.between(now, t).toMillis()).orElse(-1L));
        } catch (StaleClaimException stale) {
            listener.stale(claim, stale.getMessage());
        } catch (LedgerException e) {
            if (member == null) throw e;
            listener.info("the failure of split " + claim.splitId() + " left unrecorded while stopping; it runs again "
                    + "when its lease ends: " + e.getMessage());
        }
    }

    /** When to try the split again: at its backoff, or once its input is ready when it said when; empty: dead. */
    private Optional<Instant> nextTry(Claim claim, boolean retryable, Optional<Instant> readyAt, Instant now) {
        if (!retryable) return Optional.empty();
        return run.retries()
                .nextTry(claim.attempt(), now)
                .map(backoff -> readyAt.map(r -> r.isAfter(now) ? r : now).orElse(backoff));
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
     * incarnation it was claimed in, locks in the ledger, and the version of the pipeline committing it.
     */
    private SplitCommit commitContext(Claim claim, String incarnation) {
        return new SplitCommit(
                () -> fence(claim),
                () -> a.source().current(claim.split()),
                incarnation,
                claim.attempt(),
                claim.token(),
                locks,
                a.pipeline().version());
    }

    /** The sink asks right before it commits: a claim taken over meanwhile must not commit. */
    private void fence(Claim claim) throws StaleClaimException {
        if (heartbeats.lost(claim) || !patiently(() -> a.ledger().isCurrent(claim))) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    /** A ledger call about a split in flight: a pool member rides an outage out ({@link Outage#patiently}). */
    private <T> T patiently(Outage.LedgerCall<T, StaleClaimException> call) throws StaleClaimException {
        return outage.patiently(call);
    }

    /** An error message that names the split and its files, so the user knows where to look. */
    private String describe(Claim claim, Exception e) {
        String files = a.source().describe(claim.split());
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException nf)
            message = "no such file " + nf.getFile() + (nf.getReason() == null ? "" : ": " + nf.getReason());
        return "split " + claim.splitId() + " (" + files + "), attempt " + claim.attempt() + ": " + message.strip();
    }

    /** Splits that failed or died, for the summary. */
    public List<SplitInfo> problems(int limit) {
        return a.ledger().splits(EnumSet.of(SplitState.FAILED, SplitState.DEAD), limit);
    }
}
