package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.spi.Member;
import io.sluice.spi.Source;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", description = "List the splits a run would process now, and why the other inputs are skipped. Changes nothing.")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    PipelineArgs args;

    @Option(names = "--limit", defaultValue = "100", description = "Most lines per section (default: ${DEFAULT-VALUE}).")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        PrintWriter out = spec.commandLine().getOut();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            Source.Plan plan = a.source().preview(a.ledger());
            List<SplitInfo> waiting = a.ledger().splits(EnumSet.of(SplitState.PENDING, SplitState.FAILED, SplitState.CLAIMED), limit);
            out.printf("pipeline %s: a run now would process %d new split(s) and %d left by earlier runs%n",
                    p.name(), plan.splits().size(), waiting.size());
            plan.notices().forEach(n -> out.println("  note: " + n));
            plan.splits().stream().limit(limit).forEach(s -> out.println("  new      " + describe(s)));
            waiting.forEach(s -> out.println(Text.splitLine(s)));
            if (!plan.skipped().isEmpty()) {
                out.printf("skipped (%d):%n", plan.skipped().size());
                plan.skipped().stream().limit(limit).forEach(s -> out.printf("  %s: %s%n", s.key(), s.reason()));
                if (plan.skipped().size() > limit) out.printf("  ... and %d more (--limit)%n", plan.skipped().size() - limit);
            }
        }
        return 0;
    }

    private static String describe(Split s) {
        Member m = s.members().getFirst();
        String what = s.members().size() > 1 ? s.members().size() + " files"
                : m.isWhole() ? "whole file" : "bytes " + m.start() + "-" + m.end();
        return s.id() + "  [" + what + ", " + Text.bytes(s.bytes()) + "]";
    }
}
