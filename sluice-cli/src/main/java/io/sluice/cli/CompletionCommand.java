package io.sluice.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "completion",
        footer = {
            "%nExamples:",
            "  source <(sluice completion)   # in this shell (bash or zsh)",
            "  sluice completion > ~/.local/share/bash-completion/completions/sluice"
        },
        description = {
            "Print the shell completion script of every sluice command and option, for bash and zsh "
                    + "(zsh: the script loads bashcompinit itself). It completes the command `sluice`: put ./sluice on "
                    + "the PATH, e.g. ln -s \"$PWD/sluice\" ~/.local/bin/sluice."
        })
final class CompletionCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getOut()
                .print(AutoComplete.bash("sluice", spec.root().commandLine()));
        return 0;
    }
}
