package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.RunOptions;
import io.sluice.runner.LocalRunner;
import io.sluice.runner.RunSummary;
import io.sluice.spi.WorkerInfo;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "worker",
        footer = {
            "%nExamples:",
            "  sluice worker pipeline.yaml --id worker-1",
            "  sluice worker pipeline.yaml --id worker-2   # on another machine: a pool"
        },
        description = {
            "Run as one member of a worker pool: any number of workers, on one machine or many, share the pipeline's splits "
                    + "through its ledger. One of them (the leader) lists the source each interval; all of them claim.",
            "Watches until stopped. SIGTERM or Ctrl-C stops claiming, lets splits in flight commit and exits 0; a second "
                    + "one gives them back and exits 3."
        })
final class WorkerCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description = "Splits this worker processes at the same time (overrides run.parallelism).")
    Integer parallelism;

    @Option(
            names = "--id",
            paramLabel = "ID",
            description = "This worker's name in the ledger and in `sluice status` "
                    + "(default: host:pid:random). Must be unique in the pool, e.g. a pod's name.")
    String id;

    @Option(
            names = "--progress",
            paramLabel = "WHEN",
            defaultValue = "log",
            description = "log (a line every few seconds) | bar | none (default: ${DEFAULT-VALUE}).")
    String progress;

    @Option(
            names = "--summary-json",
            paramLabel = "FILE",
            description = "When the worker stops, write its summary to this file as JSON, for scripts.")
    java.nio.file.Path summaryJson;

    @Option(
            names = "--health-port",
            paramLabel = "PORT",
            description = "Answer HTTP probes on this port: /healthz (the process is alive) and /readyz (it has opened "
                    + "its ledger and is not asked to stop: 503 from its SIGTERM on), for Kubernetes (docs/kubernetes.md). "
                    + "Default: no server.")
    Integer healthPort;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        args.requireSharedLedger(p, "workers would not share it, so each of them would process every split");
        RunOptions run = PipelineArgs.withParallelism(p.run().withMode(RunOptions.Mode.WATCH), parallelism);
        if (id != null && id.isBlank()) throw new UserError("--id must not be blank", RunSummary.INVALID);
        // checked before anything is opened: a port no socket can have failed as an unexpected error (exit 1, "a split
        // died"); 0 (any free port) is refused too: the probes could not know it
        if (healthPort != null && (healthPort < 1 || healthPort > 65535)) {
            throw new UserError(
                    "--health-port " + healthPort + ": a port is 1 to 65535 (the one the pod's probes ask)",
                    RunSummary.INVALID);
        }
        p = p.withRun(run);
        long pid = ProcessHandle.current().pid();
        WorkerInfo self = new WorkerInfo(
                id != null ? id : RunCommand.ownerId(), RunCommand.hostName(), pid, Instant.now(), run.parallelism());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Progress progress = Progress.create(this.progress, p.name(), out, err);
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), self, progress);
            progress.attachMember(runner.stats());
            RunSummary s;
            try (Signals signals = Signals.install(runner, err);
                    WorkerHealth health = healthPort == null
                            ? null
                            : WorkerHealth.start(healthPort, () -> !runner.stopping()); // asked to stop, or over
                    RunMetrics metrics = run.metrics().isEmpty()
                            ? null
                            : RunMetrics.start(
                                    run.metrics().get(), p.name(), runner.stats(), a.ledger(), progress::info)) {
                // said once the signals are ours: from here on a SIGTERM is a clean stop
                progress.info("worker " + self.id() + " joins the pool (" + a.ledgerName() + ", " + run.parallelism()
                        + " thread(s), lease " + Text.millis(run.lease().toMillis()) + ")");
                s = runner.run();
            } finally {
                progress.close();
            }
            out.printf(
                    Locale.ROOT,
                    "%s worker %s stopped after %s: %d split(s) done, %d failed attempt(s), %d dead; "
                            + "rows %d in, %d out, %d bad; ledger %.2f ms per split, %.1f%% of the time per split%n",
                    p.name(),
                    self.id(),
                    Text.millis(s.millis()),
                    s.splitsDone(),
                    s.attemptsFailed(),
                    s.died(),
                    s.rowsIn(),
                    s.rowsOut(),
                    s.rejected(),
                    runner.stats().ledgerMillisPerSplit(),
                    100 * runner.stats().ledgerShare());
            int code = s.exitCodeWhenWatching();
            if (summaryJson != null) SummaryJson.write(summaryJson, p, self.id(), s, runner.stats(), code);
            return code;
        }
    }
}
