package io.sluice.cli;

import io.sluice.pipeline.Pipeline;
import io.sluice.planning.Superseded;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.ledger.LedgerAdmin;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "retry",
        footer = {
            "%nExamples:",
            "  sluice retry pipeline.yaml            # every failed and dead split",
            "  sluice retry pipeline.yaml big.csv#0-134217728   # the ones named"
        },
        description = "Send dead or failed splits back to pending (all of them, or the ones named); "
                + "the next run processes them. A replaced one (a newer version of its inputs is done) "
                + "is left as it is.")
final class RetryCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Parameters(index = "1..*", paramLabel = "SPLIT", description = "Split ids, as `sluice status` shows them.")
    List<String> splits = List.of();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Pipeline p = args.load();
        args.requireSharedLedger(p, "`sluice retry` runs in a process of its own and cannot reach it");
        PrintWriter out = spec.commandLine().getOut();
        try (Ledger ledger = args.recordedLedger(p, Clock.systemUTC())) {
            Map<String, List<String>> replaced = new LinkedHashMap<>();
            Superseded.of(ledger).forEach(r -> replaced.put(r.split().id(), r.by()));
            Set<String> asked = new LinkedHashSet<>(splits);
            asked.removeAll(replaced.keySet());
            int n = send(ledger, replaced.keySet(), asked);
            out.println(n + " split(s) sent back to pending" + (n > 0 ? "; run the pipeline to process them" : ""));
            if (splits.isEmpty() && !replaced.isEmpty()) {
                out.println(replaced.size() + " replaced split(s) left as they are: a newer version of their inputs"
                        + " is done (`sluice status " + p.file() + "` lists them)");
            }
            for (String id : new LinkedHashSet<>(splits)) {
                if (replaced.containsKey(id))
                    out.println("split " + id + " is replaced by " + String.join(", ", replaced.get(id))
                            + " (a newer version of its inputs, done): left as it is");
            }
            // fewer than named: say which names are not failed or dead splits (listing every split only then)
            return n < asked.size() ? explain(ledger, p, asked) : RunSummary.OK;
        }
    }

    /**
     * Sends back the named splits, or every failed and dead one when none is named, but never a replaced one: its
     * inputs' newer version is done, and run again it would read nothing (its version of the input is gone).
     */
    private int send(LedgerAdmin ledger, Set<String> replaced, Set<String> asked) {
        if (!splits.isEmpty()) return asked.isEmpty() ? 0 : ledger.retry(asked);
        if (replaced.isEmpty()) return ledger.retry(List.of()); // all of them, at once
        List<String> open = ledger.splits(EnumSet.of(SplitState.FAILED, SplitState.DEAD), Integer.MAX_VALUE).stream()
                .map(SplitInfo::id)
                .filter(id -> !replaced.contains(id))
                .toList();
        return open.isEmpty() ? 0 : ledger.retry(open);
    }

    /** Names the ids that are not splits of the pipeline (exit 2) and the ones in a state retry leaves alone. */
    private int explain(LedgerAdmin ledger, Pipeline p, Set<String> asked) {
        Map<String, SplitInfo> known = new HashMap<>();
        ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE).forEach(s -> known.put(s.id(), s));
        PrintWriter out = spec.commandLine().getOut();
        List<String> unknown = new ArrayList<>();
        for (String id : asked) {
            SplitInfo s = known.get(id);
            if (s == null) {
                unknown.add(id);
            } else if (s.state() != SplitState.PENDING) { // pending: this call (or another) just sent it back
                out.println("split " + id + " is " + s.state().label() + ", not failed or dead: left as it is");
            }
        }
        if (unknown.isEmpty()) return RunSummary.OK;
        List<String> retryable = known.values().stream()
                .filter(s -> s.state() == SplitState.FAILED || s.state() == SplitState.DEAD)
                .map(SplitInfo::id)
                .sorted()
                .limit(5)
                .toList();
        throw new UserError(
                "no split " + String.join(", ", unknown) + " in pipeline " + p.name() + " ("
                        + known.size() + " split(s) in its ledger); "
                        + (retryable.isEmpty()
                                ? "none is failed or dead"
                                : "failed or dead ones: " + String.join(", ", retryable))
                        + "; `sluice status " + p.file() + "` lists failed and dead splits, `--all` every split",
                RunSummary.INVALID);
    }
}
