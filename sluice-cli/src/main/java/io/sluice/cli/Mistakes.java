package io.sluice.cli;

import io.sluice.config.Validator;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** What a mistyped command line gets told: the word that was not understood, and the nearest one that would be. */
final class Mistakes {
    private Mistakes() {}

    static String message(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) return e.getMessage();
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        String word = u.getUnmatched().getFirst();
        if (word.startsWith("-")) {
            String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            List<String> names = new ArrayList<>();
            for (OptionSpec o : spec.options()) names.addAll(List.of(o.names()));
            return "unknown option '" + name + "' for '" + spec.qualifiedName() + "'"
                    + Validator.suggestion(name, names);
        }
        if (!spec.subcommands().isEmpty()) {
            return "unknown command '" + word + "'"
                    + Validator.suggestion(word, spec.subcommands().keySet()) + "; commands: "
                    + String.join(", ", spec.subcommands().keySet());
        }
        return "unexpected argument '" + word + "' for '" + spec.qualifiedName() + "'";
    }
}
