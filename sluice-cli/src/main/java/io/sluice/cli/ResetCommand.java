package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Ledger;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "reset",
        footer = {"%nExamples:",
                "  sluice reset pipeline.yaml --yes"},
        description = "Forget the pipeline's state: every file becomes new work again. "
        + "Output already written stays (a re-run replaces the files of the same splits).")
final class ResetCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Option(names = "--yes", description = "Confirm: without it nothing is changed.")
    boolean yes;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Pipeline p = args.load();
        if (!yes) {
            throw new UserError("reset forgets every split of pipeline " + p.name() + "; add --yes to confirm", RunSummary.INVALID);
        }
        if (args.ledgerInProcess(p)) {
            spec.commandLine().getOut().println("pipeline " + p.name() + ": nothing to forget, its ledger lives in the "
                    + "memory of the process that runs it and was forgotten when that process ended");
            return 0;
        }
        try (Ledger ledger = Assembly.openLedger(p, args.components(), Clock.systemUTC())) {
            ledger.reset();
        }
        spec.commandLine().getOut().println("pipeline " + p.name() + ": state forgotten");
        return 0;
    }
}
