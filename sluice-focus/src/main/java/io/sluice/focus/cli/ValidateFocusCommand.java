package io.sluice.focus.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.DuckConnections;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.spec.FocusSpec;
import io.sluice.focus.validate.Dataset;
import io.sluice.focus.validate.FocusValidator;
import io.sluice.focus.validate.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "validate",
        footer = {
            "%nExamples:",
            "  sluice focus validate data/focus --provider aws-cur",
            "  sluice focus validate export.parquet --verbose   # every rule",
            "  sluice focus validate data/focus --json > report.json"
        },
        description = {
            "Check FOCUS files (csv, csv.gz, parquet, jsonl; folders are searched) against the FOCUS requirements model.",
            "Prints each rule that failed, with how many rows (or the missing column) and a few failing rows, then a",
            "one-line summary; --verbose adds a line for every other rule, --json prints the whole report as JSON.",
            "Exit codes: 0 conformant, 1 a MUST rule failed, 2 bad arguments or unreadable files."
        })
final class ValidateFocusCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILES", arity = "1..*", description = "FOCUS files or folders (local).")
    List<String> inputs;

    @Option(
            names = "--version",
            defaultValue = "1.2",
            description = "FOCUS version (${COMPLETION-CANDIDATES}).",
            completionCandidates = Versions.class)
    String version;

    @Option(
            names = "--applicability",
            paramLabel = "CRITERIA",
            description = {
                "The applicability criteria the conditional rules are checked under: a comma-separated list, `all`, or "
                        + "`none`. Default: inferred from the columns present (or the mapping's, with --provider)."
            })
    String applicability;

    @Option(
            names = "--provider",
            paramLabel = "PROVIDER",
            description = "Take the applicability criteria from this provider's mapping (a focus step's output).")
    String provider;

    @Option(
            names = {"-v", "--verbose"},
            description = "Also list every rule that passed, does not apply or was not checked, and why.")
    boolean verbose;

    @Option(names = "--json", description = "Print the report as JSON (every rule with its status), for scripts.")
    boolean json;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** s3://, gs://, az://, abfss://...: read as a path, the URL would lose a slash and be "no such file". */
    private static final Pattern STORE_URL = Pattern.compile("(?!file:)[a-zA-Z][a-zA-Z0-9+.-]*://");

    /** The dataset is read by DuckDB from local files: what to run to get a bucket's copy here. */
    private static String copyFirst(String url) {
        String copy = url.startsWith("s3://")
                ? "aws s3 sync " + url + " focus-copy/"
                : url.startsWith("gs://")
                        ? "gcloud storage cp -r " + url + " focus-copy/"
                        : "azcopy copy '" + url + "' focus-copy/ --recursive";
        return url + " is an object store URL; focus validate reads local files and folders only: copy the output "
                + "here first (" + copy + ") and validate that folder";
    }

    @Override
    public Integer call() throws Exception {
        if (!FocusSpec.VERSIONS.contains(version))
            return usage("FOCUS version " + version + " is not supported; use " + FocusSpec.VERSIONS);
        List<Path> files = new ArrayList<>();
        for (String input : inputs) {
            if (STORE_URL.matcher(input).lookingAt()) return usage(copyFirst(input));
            Path p = Path.of(input);
            if (!Files.exists(p)) return usage("no such file or folder: " + p);
            files.addAll(files(p));
        }
        if (files.isEmpty()) return usage("no csv, parquet or jsonl files in " + inputs);
        Set<String> criteria;
        try {
            criteria = criteria();
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        try (Connection c = DuckConnections.open();
                Statement s = c.createStatement()) {
            try {
                Dataset.load(c, "focus_dataset", files);
            } catch (java.sql.SQLException e) {
                return usage("cannot read the files: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            Report report =
                    new FocusValidator(version).validate(c, "focus_dataset", inputs, criteria, Dataset.notes(c, files));
            spec.commandLine()
                    .getOut()
                    .print(
                            json
                                    ? new ObjectMapper()
                                                    .writerWithDefaultPrettyPrinter()
                                                    .writeValueAsString(report.asMap())
                                            + "\n"
                                    : verbose ? report.render() : report.summary());
            spec.commandLine().getOut().flush();
            return report.failed() ? 1 : 0;
        }
    }

    private Set<String> criteria() {
        if (provider != null) {
            if (!MappingLoader.PROVIDERS.contains(provider))
                throw new IllegalArgumentException(
                        "unknown provider " + provider + "; known: " + MappingLoader.PROVIDERS);
            return new LinkedHashSet<>(MappingLoader.builtin(provider, version).applicability());
        }
        if (applicability == null) return null;
        if (applicability.equalsIgnoreCase("none")) return Set.of();
        Set<String> known = io.sluice.focus.validate.Applicability.all(version);
        if (applicability.equalsIgnoreCase("all")) return known;
        Set<String> out = new LinkedHashSet<>();
        for (String c : applicability.split(",")) {
            String name = c.strip().toUpperCase(Locale.ROOT);
            if (!known.contains(name))
                throw new IllegalArgumentException(
                        "unknown applicability criterion " + c.strip() + "; known: " + known);
            out.add(name);
        }
        return out;
    }

    /** The data files under a path, skipping Sluice's own folders (_sluice, _dead_letter) and hidden ones. */
    private static List<Path> files(Path p) throws IOException {
        if (Files.isRegularFile(p)) return List.of(p);
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> p.relativize(f).toString().isEmpty()
                            || Arrays.stream(p.relativize(f).toString().split("[/\\\\]"))
                                    .noneMatch(part -> part.startsWith("_") || part.startsWith(".")))
                    .filter(f -> f.getFileName()
                            .toString()
                            .toLowerCase(Locale.ROOT)
                            .matches(".*\\.(csv|csv\\.gz|csv\\.zst|parquet|jsonl|ndjson|json)$"))
                    .sorted()
                    .toList();
        }
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("sluice: " + message);
        return 2;
    }

    static final class Versions extends ArrayList<String> {
        Versions() {
            super(FocusSpec.VERSIONS);
        }
    }
}
