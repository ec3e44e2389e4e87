package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.RunOptions;
import io.sluice.planning.Superseded;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunGaveUpException;
import io.sluice.runner.RunSummary;
import io.sluice.runner.Runner;
import io.sluice.runner.RunnerFactory;
import io.sluice.runner.SplitExecution;
import io.sluice.spi.SplitState;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "run",
        footer = {
            "%nExamples:",
            "  sluice run pipeline.yaml",
            "  sluice run pipeline.yaml --parallelism 8 --progress log",
            "  sluice run pipeline.yaml --mode watch   # scan again and again, until Ctrl-C",
            "  sluice run pipeline.yaml --summary-json run.json",
            "  sluice run pipeline.yaml --split ID   # one named split, once (a Job pod)"
        },
        description = "Run the pipeline: every split exactly once, even across crashes and restarts.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description = "Splits processed at the same time (overrides run.parallelism).")
    Integer parallelism;

    @Option(names = "--mode", paramLabel = "MODE", description = "once | watch (overrides run.mode).")
    RunOptions.Mode mode;

    @Option(names = "--dry-run", description = "Show what would be processed (like `sluice plan`), change nothing.")
    boolean dryRun;

    @Option(
            names = "--rebuild-outdated",
            description =
                    "First send the done splits made by an earlier version of the "
                            + "steps or sink back to pending, so this run processes them again and their new output replaces the old.")
    boolean rebuildOutdated;

    @Option(
            names = "--progress",
            paramLabel = "WHEN",
            defaultValue = "auto",
            description = "auto (a bar on a terminal, log lines otherwise) | bar | log | none.")
    String progress;

    @Option(
            names = "--summary-json",
            paramLabel = "FILE",
            description = "Also write the run's summary to this file as JSON, for scripts.")
    java.nio.file.Path summaryJson;

    @Option(
            names = "--split",
            paramLabel = "ID",
            description = "Run only this split, once: claim it by name (fenced like "
                    + "any claim), process it, commit, record; no planning. For one-split jobs (a Kubernetes Job's pod). Exit 0 "
                    + "done, 1 failed or dead (the ledger keeps the error), 2 unknown split, 4 not claimable now (done, dead, "
                    + "held by another live claim, waiting for its retry) or taken over meanwhile.")
    String split;

    @Option(
            names = "--exec-results",
            paramLabel = "DIR",
            description = "With --split, for a pipeline whose exec step names an image: the step's container already "
                    + "ran (the init containers of the split's Kubernetes Job) and wrote each input's output under DIR; "
                    + "take it from there instead of running a command.")
    java.nio.file.Path execResults;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (dryRun) {
            PlanCommand plan = new PlanCommand();
            plan.args = args;
            plan.spec = spec;
            plan.limit = 100;
            plan.parallelism = parallelism;
            return plan.call();
        }
        Pipeline p = args.load();
        RunOptions run = PipelineArgs.withParallelism(p.run(), parallelism);
        if (mode != null) run = run.withMode(mode);
        p = p.withRun(run);
        if (execResults != null && split == null)
            throw new UserError("--exec-results goes with --split (a Kubernetes Job's pod)", RunSummary.INVALID);
        if (split != null) return runSplit(p);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Progress progress = Progress.create(this.progress, p.name(), out, err);
            // run.runner: the local runner, or one found through a RunnerFactory (kubernetes: one Job per split)
            Runner runner = p.run().runner().isPresent()
                    ? RunnerFactory.create(
                            args.components(), p.run().runner().get(), a, Clock.systemUTC(), ownerId(), progress)
                    : new LocalRunner(a, Clock.systemUTC(), ownerId(), progress);
            progress.attach(runner.stats());
            if (args.ledgerInProcess(p)) {
                progress.info("warning: the ledger is in memory (" + p.state().path() + "): every split is forgotten "
                        + "when this run ends or crashes, and the next run processes every input again; for tests "
                        + "and one-shot experiments only, never where exactly-once across restarts matters");
            }
            if (rebuildOutdated) {
                progress.info(a.ledger().requeueOutdated(p.version()) + " split(s) made by an earlier version of the "
                        + "pipeline sent back to pending: processed again now, their new output replacing the old");
            }
            RunSummary summary;
            RunGaveUpException gaveUp = null;
            try (Signals signals = Signals.install(runner, err);
                    RunMetrics metrics = run.metrics().isEmpty()
                            ? null
                            : RunMetrics.start(
                                    run.metrics().get(), p.name(), runner.stats(), a.ledger(), progress::info)) {
                summary = runner.run();
            } catch (RunGaveUpException e) {
                gaveUp = e; // its summary first, as at the end of any run; then its error
                summary = e.summary();
            } finally {
                progress.close();
            }
            printSummary(out, p, summary, a, runner.stats());
            // a watching run, like a worker, ends by being stopped: a systemd unit must not see that as a failure
            int code = gaveUp != null
                    ? RunSummary.SOME_DEAD
                    : run.mode() == RunOptions.Mode.WATCH ? summary.exitCodeWhenWatching() : summary.exitCode();
            if (summaryJson != null) SummaryJson.write(summaryJson, p, null, summary, runner.stats(), code);
            if (gaveUp != null) throw gaveUp;
            return code;
        }
    }

    /** {@code --split}: one named split through the run's per-split path; the exit code says how it ended. */
    private int runSplit(Pipeline p) throws Exception {
        if (split.isBlank())
            throw new UserError("--split must name a split (`sluice status --all` lists them)", RunSummary.INVALID);
        if (rebuildOutdated || mode == RunOptions.Mode.WATCH) {
            throw new UserError(
                    "--split runs one split once: it goes with neither --mode watch nor --rebuild-outdated",
                    RunSummary.INVALID);
        }
        args.requireSharedLedger(p, "the split would be unknown to it: splits are registered by another process");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Assembly opened = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Assembly a = opened;
            if (execResults != null) {
                try {
                    a = io.sluice.runner.ContainerResults.in(opened, execResults.toAbsolutePath());
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage(), RunSummary.INVALID);
                }
            }
            Progress progress = Progress.create(this.progress, p.name(), out, err);
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), ownerId(), progress);
            SplitExecution.Result result;
            try (Signals signals = Signals.install(runner, err)) {
                result = runner.runSplit(split);
            } finally {
                progress.close();
            }
            (result.exitCode() == RunSummary.OK ? out : err).println(p.name() + ": " + result.message());
            return result.exitCode();
        }
    }

    private static void printSummary(
            PrintWriter out, Pipeline p, RunSummary s, Assembly a, io.sluice.runner.RunStats stats) {
        String rate = Text.rate(s.bytes(), s.rowsIn(), s.millis());
        if (s.bytes() > 0) rate = Text.bytes(s.bytes()) + " (" + rate + ")";
        out.printf(
                Locale.ROOT,
                "%s %s in %s: %d split(s) done, %d failed attempt(s); rows %d in, %d out, %d bad; %s%n",
                p.name(),
                !s.interrupted() ? "finished" : p.run().mode() == RunOptions.Mode.WATCH ? "stopped" : "interrupted",
                Text.millis(s.millis()),
                s.splitsDone(),
                s.attemptsFailed(),
                s.rowsIn(),
                s.rowsOut(),
                s.rejected(),
                rate);
        if (s.splitsDone() > 0) {
            out.printf(
                    Locale.ROOT,
                    "  ledger: %.2f ms per split (claim, fence check, completion), %.1f%% of the time per split%n",
                    stats.ledgerMillisPerSplit(),
                    100 * stats.ledgerShare());
        }
        if (s.seen() > 0) out.printf("  %d input(s) already processed by earlier runs%n", s.seen());
        if (s.skipped() > 0) out.printf("  %d input(s) skipped: `sluice plan %s` says why%n", s.skipped(), p.file());
        Text.outdated(a.ledger().doneByVersion(), p.version(), p.file()).forEach(line -> out.println("  " + line));
        long pending = s.ledger().getOrDefault(SplitState.PENDING, 0L)
                + s.ledger().getOrDefault(SplitState.FAILED, 0L)
                + s.ledger().getOrDefault(SplitState.CLAIMED, 0L);
        if (pending > 0)
            out.printf("  %d split(s) not finished yet: a next run (or another worker) processes them%n", pending);
        if (stats.leftOut() > 0) {
            out.printf(
                    "  %d input(s) left out while reading (deleted or replaced since they were listed):%n",
                    stats.leftOut());
            stats.leftOutLines().stream().limit(5).forEach(l -> out.println("    " + l));
        }
        List<String> divided = stats.divided();
        if (!divided.isEmpty()) {
            out.printf(
                    "  %d split(s) planned again without their bad files (these fail alone, the others go on):%n",
                    divided.size());
            divided.stream().limit(5).forEach(d -> out.println("    " + d));
        }
        if (s.replaced() > 0) {
            out.printf(
                    "  %d dead split(s) replaced: a newer version of their inputs is done, nothing is left to do"
                            + " (`sluice status %s` lists them)%n",
                    s.replaced(), p.file());
        }
        if (s.dead() > 0) {
            out.printf(
                    "  %d split(s) dead: see `sluice status %s`, fix the cause, then `sluice retry %s`%n",
                    s.dead(), p.file(), p.file());
            // the first dead splits that are not replaced: only these few are looked at again, not every failed one
            List<io.sluice.spi.SplitInfo> dead = a.ledger().splits(EnumSet.of(SplitState.DEAD), (int) s.replaced() + 5);
            java.util.Set<String> replaced = s.replaced() > 0
                    ? Superseded.among(a.ledger(), dead).stream()
                            .map(r -> r.split().id())
                            .collect(java.util.stream.Collectors.toSet())
                    : java.util.Set.of();
            dead.stream().filter(d -> !replaced.contains(d.id())).limit(5).forEach(d -> out.println(Text.splitLine(d)));
        }
        if (s.rejected() > 0)
            out.printf(
                    "  %d bad record(s): %s%n",
                    s.rejected(),
                    p.run().onBadRecord() == io.sluice.spi.BadRecordPolicy.DEAD_LETTER
                            ? deadLetters(p)
                            : "skipped (on_bad_record: skip)");
    }

    /**
     * Where the sink keeps the bad records: the jdbc and BigQuery sinks in a table (the jdbc sink's with the rows its
     * database refused), the Iceberg sink in files beside its warehouse's tables, the files sink under its folder.
     */
    static String deadLetters(Pipeline p) {
        String where = switch (p.sink().kind()) {
            case "jdbc" -> "written to the table _sluice_dead_letter beside the sink's";
            case "bigquery" -> "written to the table _sluice_dead_letter in the sink's dataset";
            case "iceberg" -> "written under the warehouse's _sluice_dead_letter/<table>/";
            default -> "written under the sink's _dead_letter/";
        };
        return where + " with split, file, line (or the byte where the record starts), reason and record"
                + (p.sink().kind().equals("jdbc") ? " (a row the database refused: its key)" : "");
    }

    /**
     * Unique per process: shown in status as the holder of a claim, and the pool's leader lease is held by it. It
     * carries the process's start, so that a run on this machine takes over the claims of one that was killed
     * ({@link io.sluice.runner.OwnerId}).
     */
    static String ownerId() {
        return io.sluice.runner.OwnerId.forThisProcess();
    }

    static String hostName() {
        return io.sluice.runner.OwnerId.hostName();
    }
}
