package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.spi.Ledger;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "retry",
        footer = {"%nExamples:",
                "  sluice retry pipeline.yaml            # every failed and dead split",
                "  sluice retry pipeline.yaml big.csv#0-134217728   # the ones named"},
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
        try (Ledger ledger = Assembly.openLedger(p, args.components(), Clock.systemUTC())) {
            int n = ledger.retry(splits);
            spec.commandLine().getOut().println(n + " split(s) sent back to pending; run the pipeline to process them");
        }
        return 0;
    }
}
