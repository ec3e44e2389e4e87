package io.sluice.cli;

import io.sluice.pipeline.Pipeline;
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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
                + "the next run processes them.")
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
            int n = ledger.retry(splits);
            out.println(n + " split(s) sent back to pending" + (n > 0 ? "; run the pipeline to process them" : ""));
            // fewer than named: say which names are not failed or dead splits (listing every split only then)
            return n < new HashSet<>(splits).size() ? explain(ledger, p) : RunSummary.OK;
        }
    }

    /** Names the ids that are not splits of the pipeline (exit 2) and the ones in a state retry leaves alone. */
    private int explain(LedgerAdmin ledger, Pipeline p) {
        Map<String, SplitInfo> known = new HashMap<>();
        ledger.splits(EnumSet.allOf(SplitState.class), Integer.MAX_VALUE).forEach(s -> known.put(s.id(), s));
        PrintWriter out = spec.commandLine().getOut();
        List<String> unknown = new ArrayList<>();
        for (String id : new LinkedHashSet<>(splits)) {
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
