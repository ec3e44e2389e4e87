package io.sluice.cli;

import io.sluice.engine.StepCheck;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "validate",
        footer = {"%nExamples:", "  sluice validate pipeline.yaml"},
        description = "Check a pipeline without running it: options, types, folders, the sink, and the steps against a "
                + "sample of the input. Changes nothing.")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Mixin
    PipelineArgs args;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Pipeline p = args.load();
        try (Assembly a = Assembly.forChecking(p, args.components(), Clock.systemUTC())) {
            java.util.Optional<String> source;
            // the ledger of earlier runs, when there is one: a plan's refusal that depends on it is found here too
            java.util.Optional<io.sluice.spi.Ledger> ledger =
                    Assembly.existingLedger(p, args.components(), Clock.systemUTC());
            try {
                source = ledger.isPresent()
                        ? a.source().check(io.sluice.planning.Planner.view(ledger.get()))
                        : a.source().check();
            } finally {
                ledger.ifPresent(io.sluice.spi.Ledger::close);
            }
            a.sink().check();
            StepCheck.Outcome steps = StepCheck.standalone(a);
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                    "%s: valid (pipeline %s, %d step(s), %s)%n",
                    args.file, p.name(), p.steps().size(), a.ledgerName());
            source.ifPresent(note -> out.println("  the source was not checked against its input: " + note));
            out.println(
                    steps == StepCheck.FILES
                            ? "  the exec step's files go to the sink as they are"
                            : steps.checked()
                                    ? "  checked against a sample of the input: the sink receives "
                                            + String.join(", ", steps.columns())
                                    : "  the steps were not checked against the input: " + steps.skipped());
            a.source().notes().forEach(n -> out.println("  note: " + n));
            p.run().schedule().ifPresent(s -> out.println("  next run at " + s.nextRun(Instant.now())));
        }
        return 0;
    }
}
