package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.Lease;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.sink.Sink;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "reset",
        footer = {
            "%nExamples:",
            "  sluice reset pipeline.yaml --yes",
            "  sluice reset pipeline.yaml --delete-output   # lists what it would remove",
            "  sluice reset pipeline.yaml --delete-output --yes"
        },
        description = "Forget the pipeline's state: every input becomes new work again. "
                + "The output stays, and the next runs replace it input by input as they process the inputs again; "
                + "with --delete-output it is removed now.")
final class ResetCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(names = "--yes", description = "Confirm: without it nothing is changed.")
    boolean yes;

    @Option(
            names = "--delete-output",
            description = "Also remove what Sluice wrote for the pipeline in its sink "
                    + "(outputs, bad records, partial and merged results, its _sluice folder), and list it; nothing else "
                    + "in the sink's folder. Without --yes, only lists it.")
    boolean deleteOutput;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        PrintWriter out = spec.commandLine().getOut();
        if (!yes) {
            String also = "";
            if (deleteOutput) {
                Sink sink = Assembly.openSink(p, args.components(), Clock.systemUTC());
                List<String> output = sink.listOutput();
                output.forEach(path -> out.println("would remove " + path));
                sink.outputLeft().forEach(path -> out.println("would leave " + path));
                also = " and removes " + output.size()
                        + " item(s) of its output (files, or a table's rows), listed above";
            }
            throw new UserError(
                    "reset forgets every split of pipeline " + p.name() + also + "; add --yes to confirm",
                    RunSummary.INVALID);
        }
        if (args.ledgerInProcess(p)) {
            out.println("pipeline " + p.name() + ": nothing to forget, its ledger lives in the memory of the process "
                    + "that runs it and was forgotten when that process ended");
        } else {
            try (Ledger ledger = Assembly.openLedger(p, args.components(), Clock.systemUTC())) {
                refuseWhileProcessed(p, ledger);
                ledger.reset();
            }
            out.println("pipeline " + p.name() + ": state forgotten");
        }
        if (deleteOutput) {
            // after the reset: no split of the forgotten state can commit more output once this has run
            Sink sink = Assembly.openSink(p, args.components(), Clock.systemUTC());
            List<String> removed = sink.deleteOutput();
            removed.forEach(path -> out.println("removed " + path));
            sink.outputLeft().forEach(path -> out.println("left " + path));
            out.println(removed.size() + " item(s) of the output removed; the next run writes it again from the input");
        } else if (!args.ledgerInProcess(p)) {
            out.println("The output stays: the next run processes every input again, and the new output replaces the "
                    + "old input by input, as each split commits (output an older Sluice wrote, without inputs in its "
                    + "manifests, is not replaced). To remove the output now: sluice reset " + args.file
                    + " --delete-output --yes");
        }
        return 0;
    }

    /**
     * Refuses while a live worker holds a split, or beats in the pipeline's pool: a commit already past its fence
     * check when the ledger forgets the split lands after the reset, beside its replacement; a pool worker plans and
     * claims again at once, and commits while {@code --delete-output} removes the output (done in the ledger, gone
     * from the sink). A claim whose lease ran out, and a worker that is silent or was a process of this machine that
     * is gone, hold nothing up. (A run that is not a pool member announces nothing: only its claims are seen.)
     */
    private void refuseWhileProcessed(Pipeline p, Ledger ledger) {
        Instant now = Instant.now();
        Duration lease = p.run().lease();
        List<SplitInfo> held = ledger.splits(EnumSet.of(SplitState.CLAIMED), Integer.MAX_VALUE).stream()
                .filter(s -> new Lease(s.owner(), s.leaseUntil()).live(now))
                .toList();
        List<String> workers = ledger.workers(lease.multipliedBy(3)).stream()
                .filter(w -> StatusCommand.stopped(w, now, lease).isEmpty())
                .map(w -> w.worker().id())
                .toList();
        String what;
        if (!held.isEmpty()) {
            SplitInfo first = held.getFirst();
            Instant lastLease = held.stream()
                    .map(SplitInfo::leaseUntil)
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
            what = "split " + first.id() + " is held by worker " + first.owner() + more(held.size(), "split(s)")
                    + " until " + lastLease.truncatedTo(ChronoUnit.SECONDS);
        } else if (!workers.isEmpty()) {
            what = "worker " + workers.getFirst() + " of its pool is running" + more(workers.size(), "worker(s)");
        } else {
            return;
        }
        throw new UserError(
                "pipeline " + p.name() + " is being processed: " + what + ", and what a worker commits after a reset "
                        + "stays beside its replacement, or is lost with the output --delete-output removes; nothing "
                        + "was changed. To reset, stop the run or its workers first (`sluice status " + p.file()
                        + "` lists them), then reset again; a worker that stopped without saying so holds nothing "
                        + "once its lease (" + Text.millis(lease.toMillis()) + ") runs out",
                RunSummary.INVALID);
    }

    private static String more(int n, String what) {
        return n > 1 ? " (and " + (n - 1) + " more " + what + ")" : "";
    }
}
