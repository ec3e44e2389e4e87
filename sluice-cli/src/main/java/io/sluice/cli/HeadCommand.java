package io.sluice.cli;

import io.sluice.engine.SplitProcessor;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.runner.SplitPreview;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.Source;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "head",
        footer = {"%nExamples:",
                "  sluice head pipeline.yaml",
                "  sluice head pipeline.yaml -n 5"},
        description = {"Show the first rows the pipeline would write for its next split: the first split a run would "
                + "plan now, or else the oldest one waiting in the ledger, read and transformed by the steps as a run "
                + "does (an aggregate: this split's share of the totals).",
                "Writes nothing: no output, no ledger entry. A way to check a step before running it."})
final class HeadCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(names = {"-n", "--rows"}, paramLabel = "N", defaultValue = "20", description = "How many rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rows < 1) throw new UserError("-n must be at least 1", RunSummary.INVALID);
        Pipeline p = args.load();
        PrintWriter out = spec.commandLine().getOut();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Source.Plan plan = a.source().preview(a.ledger());
            Optional<Split> next = plan.splits().stream().findFirst().or(() -> waiting(a, plan));
            if (next.isEmpty()) {
                out.println(p.name() + ": nothing to show: " + nothing(p, plan));
                return 0;
            }
            Split split = next.get();
            SplitProcessor.Preview preview = SplitPreview.of(a, split, rows);
            String inputs = a.source().describe(split);
            out.printf("%s: split %s%s; the first rows the sink would get, nothing written:%n", p.name(), split.id(),
                    inputs.equals(split.id()) ? "" : " (" + inputs + ")");
            out.print(preview.rows().isEmpty() ? "(no rows: the steps keep none of this split's records)\n"
                    : Text.table(preview.columns(), preview.rows()));
        }
        return 0;
    }

    /**
     * The oldest split an earlier run registered and left pending or failed, rebuilt from what the ledger knows of
     * its inputs. Only the latest range of a file is known by key, so an earlier range of a cut file is not found.
     */
    private static Optional<Split> waiting(Assembly a, Source.Plan plan) {
        List<SplitInfo> oldest = a.ledger().splits(EnumSet.of(SplitState.PENDING, SplitState.FAILED), 1);
        if (oldest.isEmpty()) return Optional.empty();
        SplitInfo info = oldest.getFirst();
        List<String> seen = plan.skipped().stream().filter(s -> s.why() == Source.Why.SEEN).map(Source.Skipped::key).toList();
        List<Member> members = a.ledger().known(seen).values().stream()
                .filter(k -> k.splitId().equals(info.id()))
                .sorted(Comparator.comparing(KnownMember::key).thenComparingLong(KnownMember::start))
                .map(k -> new Member(k.key(), k.fingerprint(), k.start(), k.end(), null))
                .toList();
        return members.size() == info.members() ? Optional.of(new Split(info.id(), members, info.bytes())) : Optional.empty();
    }

    private static String nothing(Pipeline p, Source.Plan plan) {
        if (plan.waiting() > 0) {
            return plan.waiting() + " input(s) are still being written (or have not settled yet); try again in a moment";
        }
        long seen = plan.count(Source.Why.SEEN);
        long skipped = plan.count(Source.Why.SKIPPED);
        if (seen == 0 && skipped == 0) return "the source has no input (check source.files.path and include)";
        return "no split waits and a run now would plan none: " + seen + " input(s) already processed, " + skipped
                + " skipped (`sluice plan " + p.file() + "` says why); add input, or `sluice reset` to process everything again";
    }
}
