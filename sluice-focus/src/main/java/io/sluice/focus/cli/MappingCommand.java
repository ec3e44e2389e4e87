package io.sluice.focus.cli;

import io.sluice.focus.mapping.Let;
import io.sluice.focus.mapping.Lookup;
import io.sluice.focus.mapping.Mapping;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.mapping.Rule;
import io.sluice.focus.spec.FocusColumn;
import io.sluice.focus.spec.FocusSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "mapping",
        footer = {
            "%nExamples:",
            "  sluice focus mapping aws-cur",
            "  sluice focus mapping aws-cur --mapping my-aws.yaml   # your own mapping"
        },
        description = {
            "Print the mapping in force for a provider, FOCUS column by FOCUS column: the expression, why it is so, how",
            "extra rows differ, and which columns the provider's data cannot fill. With --mapping, the given file",
            "(a copy of a built-in mapping, or one that starts with `extends: PROVIDER`)."
        })
final class MappingCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PROVIDER", description = "aws-cur | aws-cur2 | azure | gcp | oci")
    String provider;

    @Option(
            names = "--mapping",
            paramLabel = "FILE",
            description = "A mapping file to print instead of the built-in one.")
    Path file;

    @Option(names = "--version", defaultValue = "1.2", description = "FOCUS version.")
    String version;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!MappingLoader.PROVIDERS.contains(provider)) {
            spec.commandLine()
                    .getErr()
                    .println("sluice: unknown provider '" + provider + "'; known: " + MappingLoader.PROVIDERS);
            return 2;
        }
        if (!FocusSpec.VERSIONS.contains(version)) {
            spec.commandLine()
                    .getErr()
                    .println("sluice: FOCUS version " + version + " is not supported; use " + FocusSpec.VERSIONS);
            return 2;
        }
        Mapping m = file == null ? MappingLoader.builtin(provider, version) : MappingLoader.file(file, version);
        print(spec.commandLine().getOut(), m, FocusSpec.of(version));
        return 0;
    }

    static void print(PrintWriter out, Mapping m, FocusSpec spec) {
        out.printf("FOCUS %s mapping for %s: %s%n", m.focusVersion(), m.provider(), m.title());
        out.printf("Read from: %s%n", m.origin());
        out.printf("Rows of this export (provider: auto): %s%n", m.detect());
        out.printf("Applicability criteria met: %s%n%n", String.join(", ", m.applicability()));
        out.println("Source columns (required):");
        m.required()
                .forEach((c, t) ->
                        out.printf("  %-60s %s%n", '"' + c + '"', t.name().toLowerCase(Locale.ROOT)));
        out.println("Source columns (optional: null where a file lacks them):");
        m.optional()
                .forEach((c, t) ->
                        out.printf("  %-60s %s%n", '"' + c + '"', t.name().toLowerCase(Locale.ROOT)));
        if (!m.renamed().isEmpty()) {
            out.println("\nColumns of the extended mapping, made from this export's columns:");
            m.renamed().forEach((c, r) -> {
                out.printf(
                        "  %-60s = %s%n",
                        '"' + c + '"',
                        r.from() == null
                                ? "null (no such data)"
                                : oneLine(r.from().sql()));
                if (r.from() != null) why(out, r.from().why(), "      ");
            });
        }
        if (!m.lookups().isEmpty()) {
            out.println("\nLookup tables:");
            for (Lookup l : m.lookups().values()) {
                out.printf(
                        "  %s: %s, %d rows, key %s -> %s%n",
                        l.name(), l.file(), l.rows().size(), l.key(), l.values());
            }
        }
        out.println("\nNamed values (let), in order:");
        for (Let let : m.lets()) {
            String what = switch (let) {
                case Let.Expr e -> oneLine(e.sql());
                case Let.PrefixedColumns p ->
                    "every source column named \"" + p.prefix()
                            + "...\", as a map of the rest of the name to the value";
                case Let.FromLookup f ->
                    "the row of lookup " + f.lookup() + " whose key is "
                            + f.key().stream().map(MappingCommand::oneLine).toList();
            };
            out.printf("  %s = %s%n", let.name(), what);
            why(out, let.why(), "      ");
        }
        if (!m.drops().isEmpty()) {
            out.println("\nInput rows that produce no FOCUS row:");
            m.drops().forEach(d -> {
                out.printf("  where %s%n", oneLine(d.when()));
                why(out, d.why(), "      ");
            });
        }
        if (!m.extraRows().isEmpty()) {
            out.println("\nExtra rows:");
            m.extraRows().forEach(x -> {
                out.printf("  %s: one more row for each input row where %s%n", x.kind(), oneLine(x.when()));
                why(out, x.why(), "      ");
            });
        }
        out.println("\nFOCUS columns:");
        for (var e : m.columns().entrySet()) {
            String type = spec.column(e.getKey())
                    .map(c -> c.type().name().toLowerCase(Locale.ROOT))
                    .orElse("string (FOCUS 1.3)");
            column(out, m, e.getKey(), type, e.getValue());
        }
        List<String> missing = spec.columns().stream()
                .map(FocusColumn::id)
                .filter(c -> !m.columns().containsKey(c))
                .toList();
        if (!missing.isEmpty())
            out.printf("%nNot produced (this export has no data for them): %s%n", String.join(", ", missing));
        if (!m.extras().isEmpty()) {
            out.println("\nExtra columns:");
            m.extras().forEach((c, r) -> column(out, m, c, "as computed", r));
        }
        out.flush();
    }

    private static void column(PrintWriter out, Mapping m, String name, String type, Rule rule) {
        out.printf("  %s (%s)%n", name, type);
        rule.sql().strip().lines().forEach(l -> out.println("      " + l));
        why(out, rule.why(), "      ");
        m.extraRows().stream()
                .filter(x -> x.columns().containsKey(name))
                .forEach(x -> out.printf(
                        "      in %s rows: %s%n",
                        x.kind(), oneLine(x.columns().get(name).sql())));
    }

    private static void why(PrintWriter out, String why, String indent) {
        if (!why.isBlank()) out.println(indent + "why: " + oneLine(why));
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\n\\s*", " ");
    }
}
