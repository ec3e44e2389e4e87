package io.sluice.focus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice focus}: tools for FOCUS data, beside the {@code focus} step. */
@Command(
        name = "focus",
        mixinStandardHelpOptions = true,
        description = "FOCUS tools: validate a FOCUS dataset, print a provider's mapping.",
        subcommands = {ValidateFocusCommand.class, MappingCommand.class},
        footer = {"%nExamples:", "  sluice focus validate data/focus --provider aws-cur", "  sluice focus mapping gcp"})
public final class FocusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
