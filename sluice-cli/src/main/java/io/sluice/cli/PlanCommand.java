package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.planning.Plan;
import io.sluice.planning.Planner;
import io.sluice.planning.Replacements;
import io.sluice.planning.Replacements.Replaced;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.Source;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "plan",
        footer = {
            "%nExamples:",
            "  sluice plan pipeline.yaml",
            "  sluice plan pipeline.yaml --json > plan.json",
            "  sluice plan pipeline.yaml --parallelism 8   # the splits of `sluice run --parallelism 8`",
            "  sluice plan pipeline.yaml --register   # register new splits, run none"
        },
        description = "List the splits a run would process now, and why the other inputs are skipped. Changes nothing "
                + "(unless --register).")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "100",
            description = "Most lines per section (default: ${DEFAULT-VALUE}); --json lists everything.")
    int limit;

    @Option(
            names = "--json",
            description =
                    "Print the plan as JSON, for scripts: every split with its id, inputs and bytes, and every skipped input with the reason (docs/guide.md#for-scripts).")
    boolean json;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description = "Plan as `sluice run --parallelism N` would: large files are cut and packs made smaller so "
                    + "that N splits can run at once (default: run.parallelism).")
    Integer parallelism;

    @Option(
            names = "--register",
            description = "List the source and register the new splits in the ledger, processing none: what a "
                    + "pool's leader does each interval, for a pool scaled to zero (docs/kubernetes.md).")
    boolean register;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        p = p.withRun(PipelineArgs.withParallelism(p.run(), parallelism));
        PrintWriter out = spec.commandLine().getOut();
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            if (register) {
                args.requireSharedLedger(p, "the splits it registers would be gone when it exits");
                Plan plan = new Planner(a.source(), a.pipeline().source(), a.ledger()).plan();
                plan.notices().forEach(n -> out.println("  note: " + n));
                out.printf(
                        "pipeline %s: registered %d new split(s)%n",
                        p.name(), plan.splits().size());
                return 0;
            }
            Plan plan = new Planner(a.source(), a.pipeline().source(), a.ledger()).preview();
            List<SplitInfo> waiting = a.ledger()
                    .splits(
                            EnumSet.of(SplitState.PENDING, SplitState.FAILED, SplitState.CLAIMED),
                            json ? Integer.MAX_VALUE : limit);
            KnownSplits known = Planner.view(a.ledger());
            if (json) {
                out.println(Json.pretty(
                        asMap(p, a.source().notes(), plan, Replacements.of(known, plan.splits()), waiting)));
                return 0;
            }
            out.printf(
                    "pipeline %s: a run now would process %d new split(s) and %d left by earlier runs%n",
                    p.name(), plan.splits().size(), waiting.size());
            Text.outdated(a.ledger().doneByVersion(), p.version(), p.file()).forEach(out::println);
            a.source().notes().forEach(n -> out.println("  note: " + n));
            plan.notices().forEach(n -> out.println("  note: " + n));
            List<Split> listed = plan.splits().stream().limit(limit).toList();
            Map<String, List<Replaced>> replaced = Replacements.of(known, listed);
            listed.forEach(s -> out.println(
                    "  new      " + describe(a.source(), s) + replaces(replaced.getOrDefault(s.id(), List.of()))));
            waiting.forEach(s -> out.println(Text.splitLine(s)));
            if (plan.leftOut() > 0) {
                out.printf("skipped (%d):%n", plan.leftOut());
                plan.skipped().stream().limit(limit).forEach(s -> out.printf("  %s: %s%n", s.key(), s.reason()));
                long shown = Math.min(limit, plan.skipped().size());
                if (plan.leftOut() > shown) out.printf("  ... and %d more (--limit)%n", plan.leftOut() - shown);
            }
        }
        return 0;
    }

    private static Map<String, Object> asMap(
            Pipeline p, List<String> notes, Plan plan, Map<String, List<Replaced>> replaced, List<SplitInfo> waiting) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("pipeline", p.name());
        doc.put(
                "splits",
                plan.splits().stream()
                        .map(s -> Json.map(
                                "id",
                                s.id(),
                                "bytes",
                                s.bytes(),
                                "inputs",
                                s.members().stream()
                                        .map(m -> Json.map(
                                                "key",
                                                m.key(),
                                                "start",
                                                m.start(),
                                                "end",
                                                m.end() == Member.WHOLE ? null : m.end(),
                                                "fingerprint",
                                                m.fingerprint()))
                                        .toList(),
                                "replaces",
                                replaced.getOrDefault(s.id(), List.of()).stream()
                                        .map(r -> Json.map(
                                                "split", r.split(), "inputs", r.inputs(), "byte_range", r.range()))
                                        .toList()))
                        .toList());
        doc.put(
                "waiting",
                waiting.stream()
                        .map(s -> Json.map(
                                "id",
                                s.id(),
                                "state",
                                s.state().label(),
                                "attempts",
                                s.attempts(),
                                "inputs",
                                s.members(),
                                "bytes",
                                s.bytes()))
                        .toList());
        doc.put(
                "skipped",
                plan.skipped().stream()
                        .map(s -> Json.map(
                                "input",
                                s.key(),
                                "why",
                                s.why().name().toLowerCase(java.util.Locale.ROOT),
                                "reason",
                                s.reason()))
                        .toList());
        doc.put(
                "notices",
                java.util.stream.Stream.concat(notes.stream(), plan.notices().stream())
                        .toList());
        return doc;
    }

    /**
     * What a split that reads a new version of inputs an earlier done split read says: that its output replaces that
     * split's (a user would otherwise count the rows twice).
     */
    private static String replaces(List<Replaced> replaced) {
        if (replaced.isEmpty()) return "";
        if (replaced.size() > 1) {
            return " (new version of the inputs of splits "
                    + String.join(", ", replaced.stream().map(Replaced::split).toList()) + ": replaces their output)";
        }
        Replaced r = replaced.getFirst();
        if (r.inputs().size() > 1) {
            return " (new version of the " + r.inputs().size() + " inputs of split " + r.split()
                    + ": replaces its output)";
        }
        // a version read in byte ranges: the ledger names the range registered last; every range's output goes
        return " (new version of " + r.inputs().getFirst() + ": replaces the output of split " + r.split()
                + (r.range() ? " and of the other byte ranges of that version)" : ")");
    }

    /** A split of files by its files and bytes; one of another source (a key range, offsets) as the source names it. */
    private static String describe(Source source, Split s) {
        if (s.bytes() == 0) return s.id() + "  [" + source.describe(s) + "]";
        Member m = s.members().getFirst();
        String what = s.members().size() > 1
                ? s.members().size() + " files"
                : m.isWhole() ? "whole file" : "bytes " + m.start() + "-" + m.end();
        return s.id() + "  [" + what + ", " + Text.bytes(s.bytes()) + "]";
    }
}
