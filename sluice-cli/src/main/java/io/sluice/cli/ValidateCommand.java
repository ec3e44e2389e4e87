package io.sluice.cli;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "validate",
        footer = {"%nExamples:",
                "  sluice validate pipeline.yaml"},
        description = "Check a pipeline without running it: options, types, folders, the sink.")
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
        try (Assembly a = Assembly.of(p, args.components(), Clock.systemUTC())) {
            a.sink().check();
            spec.commandLine().getOut().printf("%s: valid (pipeline %s, %d step(s), %s)%n",
                    args.file, p.name(), p.steps().size(), a.ledgerName());
        }
        return 0;
    }
}
