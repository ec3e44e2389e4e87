package io.sluice.cli;

import io.sluice.engine.SplitProcessor;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.runner.RunSummary;
import io.sluice.runner.SplitPreview;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.Skipped;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "head",
        footer = {"%nExamples:", "  sluice head pipeline.yaml", "  sluice head pipeline.yaml -n 5"},
        description = {
            "Show the first rows the pipeline would write for its next split: the first split a run would "
                    + "plan now, or else the oldest one waiting in the ledger, read and transformed by the steps as a run "
                    + "does (an aggregate: this split's share of the totals).",
            "Writes nothing: no output, no ledger entry. A way to check a step before running it."
        })
final class HeadCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(
            names = {"-n", "--rows"},
            paramLabel = "N",
            defaultValue = "20",
            description = "How many rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rows < 1) throw new UserError("-n must be at least 1", RunSummary.INVALID);
        Pipeline p = args.load();
        PrintWriter out = spec.commandLine().getOut();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Plan plan = new Planner(a.source(), a.pipeline().source(), a.ledger()).preview();
            Optional<Split> next = plan.splits().stream().findFirst().or(() -> waiting(a));
            if (next.isEmpty()) {
                out.println(p.name() + ": nothing to show: " + nothing(p, plan));
                return 0;
            }
            Split split = next.get();
            SplitProcessor.Preview preview = SplitPreview.of(a, split, rows);
            String inputs = a.source().describe(split);
            out.printf(
                    "%s: split %s%s; the first rows the sink would get, nothing written:%n",
                    p.name(), split.id(), inputs.equals(split.id()) ? "" : " (" + inputs + ")");
            out.print(
                    preview.rows().isEmpty()
                            ? "(no rows: the steps keep none of this split's records)\n"
                            : Text.table(preview.columns(), preview.rows()));
        }
        return 0;
    }

    /** The oldest split an earlier run registered and left pending or failed, as the ledger holds it. */
    private static Optional<Split> waiting(Assembly a) {
        List<SplitInfo> oldest = a.ledger().splits(EnumSet.of(SplitState.PENDING, SplitState.FAILED), 1);
        return oldest.isEmpty()
                ? Optional.empty()
                : a.ledger().split(oldest.getFirst().id());
    }

    private static String nothing(Pipeline p, Plan plan) {
        if (plan.waiting() > 0) {
            return plan.waiting() + " input(s) " + Text.stillBeingWritten(plan) + "; try again in a moment";
        }
        long seen = plan.count(Skipped.Why.SEEN);
        long skipped = plan.count(Skipped.Why.SKIPPED);
        if (seen == 0 && skipped == 0) return "the source has no input (check source.files.path and include)";
        return "no split waits and a run now would plan none: " + seen + " input(s) already processed, " + skipped
                + " skipped (`sluice plan " + p.file()
                + "` says why); add input, or `sluice reset` to process everything again";
    }
}
