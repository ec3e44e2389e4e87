package io.sluice.cli;

import io.sluice.config.Validator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/** What a mistyped command line gets told: the word that was not understood, and the nearest one that would be. */
final class Mistakes {
    private static final Set<Class<?>> WHOLE_NUMBERS = Set.of(int.class, Integer.class, long.class, Long.class);

    private Mistakes() {}

    static String message(ParameterException e) {
        // picocli's "'x' is not an int" names neither what the option takes nor how to write it
        if (e.getCause() instanceof TypeConversionException
                && e.getArgSpec() instanceof OptionSpec o
                && WHOLE_NUMBERS.contains(o.type())) {
            return "option '" + o.longestName() + "' takes a whole number (" + o.paramLabel() + "), not '"
                    + e.getValue() + "': e.g. " + o.longestName() + " 4";
        }
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
