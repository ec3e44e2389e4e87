package io.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigProblem;
import io.sluice.config.Location;
import io.sluice.config.Options;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.EngineOptions;
import io.sluice.spi.MergingStep;
import io.sluice.spi.Step;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Checks the steps against the input's columns before any split runs: a sample of the input is read the way a split
 * is ({@link Source#sample}, {@link Reader}), and each step's query is bound over the previous one's (DuckDB's
 * {@code DESCRIBE}: no row is read). A wrong column, table or syntax, and a column the sink needs that the steps do not
 * produce, are then a {@link ConfigException} at the step's line, not a split that fails on every attempt.
 */
public final class StepCheck {
    private static final AtomicLong NAMES = new AtomicLong();
    private static final ObjectMapper JSON = new ObjectMapper();

    private StepCheck() {}

    /**
     * What the check found.
     *
     * @param columns what the sink receives (when checked)
     * @param skipped why the steps were not checked (no input yet, say); null when they were
     */
    public record Outcome(List<String> columns, String skipped) {
        public boolean checked() {
            return skipped == null;
        }
    }

    /** The steps write files (exec): nothing to check against the input. */
    public static final Outcome FILES = new Outcome(List.of(), null);

    /**
     * Whether {@link #run} could find a mistake: there are steps to bind, or the sink checks the columns it receives.
     * Without either, a run need not read a sample of the input (for a database source, a query and a spool file).
     */
    public static boolean hasAnythingToCheck(Assembly a) {
        return !a.steps().isEmpty() || a.sink().columnCheck().isPresent();
    }

    /**
     * @param scratch where the source may write the sample's spool files; the caller deletes it
     * @throws ConfigException naming the step (file, line, option) and the cause
     */
    public static Outcome run(Assembly a, Connection c, Path scratch) throws IOException, SQLException {
        // a step that turns files into files has no query to bind, and the sink gets no columns
        if (a.steps().stream().anyMatch(io.sluice.spi.FileStep.class::isInstance)) return FILES;
        Source.Sample sample;
        try {
            sample = a.source().sample(scratch);
        } catch (IOException e) {
            // a file removed while listing, say: the splits meet the input as it is then
            // its message: the exception's class name means nothing to a user
            return new Outcome(
                    List.of(),
                    "the input could not be sampled (" + (e.getMessage() == null ? e.toString() : e.getMessage())
                            + ")");
        }
        if (!sample.present()) return new Outcome(List.of(), sample.absent());
        LocalFiles all = sample.files();
        if (all.parts().size() > 1) {
            try {
                // each file costs a detection of its columns: the first alone is the cheap check that mostly suffices
                Optional<Outcome> first = check(a, c, all.withParts(all.parts().subList(0, 1)), scratch);
                if (first.isPresent()) return first.get();
                // an empty first file: the others may have columns
            } catch (ConfigException e) {
                // files packed together are read by column name: a column the first file lacks may come from the others
            }
        }
        return check(a, c, all, scratch)
                .orElseGet(() -> new Outcome(List.of(), "the sampled files are empty (" + names(all) + ")"));
    }

    /**
     * Empty when the input has nothing to read, not even columns (empty files). A sample whose line ends DuckDB cannot
     * follow (mixed LF and CRLF, a log's CR inside a line) is read again from copies under {@code scratch} with even
     * ones, as a split's read is; a sample that cannot be read even so skips the check (its split reports why).
     */
    private static Optional<Outcome> check(Assembly a, Connection c, LocalFiles input, Path scratch)
            throws IOException, SQLException {
        try {
            return SplitProcessor.evenLineEnds(
                    input, scratch.resolve("check"), (in, crMark) -> check(a, c, in, crMark));
        } catch (SQLException | SplitFailure e) {
            // a broken input file is not a mistake in the pipeline: its split reports it
            return Optional.of(new Outcome(
                    List.of(),
                    "a sample of " + names(input) + " could not be read (" + EngineErrors.withoutExcerpt(e.getMessage())
                            + ")"));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // (the read throws nothing else)
        }
    }

    /**
     * @param crMark the byte that stands for a CR inside a text line in the input ({@link LineEnds#marked}); 0: none
     * @throws SQLException when the input cannot be read
     */
    private static Optional<Outcome> check(Assembly a, Connection c, LocalFiles input, int crMark)
            throws IOException, SQLException {
        List<Step> steps = a.steps();
        String view = "sluice_check_" + NAMES.incrementAndGet();
        Optional<Reader> read =
                Reader.of(input, view, !steps.isEmpty() && steps.getFirst().inputAsText(), crMark);
        if (read.isEmpty()) return Optional.empty();
        List<String> drops = new ArrayList<>(read.get().drops());
        drops.add("DROP TABLE IF EXISTS " + view);
        try {
            String query = "SELECT * FROM " + view;
            List<String> columns;
            try (Statement s = c.createStatement()) {
                Reader reader = read.get().resolved(s);
                for (String prepare : reader.prepare()) s.execute(prepare);
                // an empty table of the input's columns: the reader detects them once, and each step binds over it
                // without detecting them again
                s.execute("CREATE TEMP TABLE " + view + " AS SELECT * FROM (" + reader.relation() + ") LIMIT 0");
                columns = describe(c, query);
            }
            for (int i = 0; i < steps.size(); i++) {
                Options.Selected declared = a.pipeline().steps().get(i);
                Step step = steps.get(i);
                String stepInput = query;
                query = step.apply(query);
                columns = describeStep(c, query, declared, columns, step.sql());
                if (step.sql() != null) {
                    refuseTwoColumnsOfOneName(c, stepInput, step.sql(), declared);
                    refuseFilesInTwoFolders(
                            c, step.sql(), a.pipeline().run().engine().files(), declared);
                }
                if (step instanceof MergingStep m) columns = describeStep(c, m.merge(query), declared, columns, null);
            }
            String reject = steps.isEmpty() ? null : steps.getLast().rejectColumn();
            if (reject != null)
                columns = columns.stream()
                        .filter(col -> !col.equalsIgnoreCase(reject))
                        .toList();
            List<String> received = columns;
            a.sink().columnCheck().ifPresent(check -> check.check(received));
            return Optional.of(new Outcome(columns, null));
        } finally {
            try (Statement s = c.createStatement()) {
                for (String drop : drops) s.execute(drop);
            }
        }
    }

    /**
     * {@link #run} in an engine of its own (no spill folder), the sample spooled under a temporary folder that is
     * removed afterwards: for {@code sluice validate}, which changes nothing.
     */
    public static Outcome standalone(Assembly a) throws IOException, SQLException {
        Path scratch = Files.createTempDirectory("sluice-check-");
        try (DuckEngine engine = new DuckEngine(
                        new EngineOptions(
                                null, 1, null, a.pipeline().run().engine().files()),
                        1);
                Connection c = engine.connect()) {
            return run(a, c, scratch);
        } finally {
            try (Stream<Path> walk = Files.walk(scratch)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** The columns a query gives, without running it. */
    static List<String> describe(Connection c, String query) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE " + query)) {
            while (r.next()) columns.add(r.getString("column_name"));
        }
        return columns;
    }

    /** @param ownSql the step's SQL as the user wrote it; null when the step writes its own */
    private static List<String> describeStep(
            Connection c, String query, Options.Selected declared, List<String> input, String ownSql) {
        try {
            return describe(c, query);
        } catch (SQLException e) {
            throw problem(c, declared, e, input, ownSql);
        }
    }

    /**
     * A step's own SQL whose result names two columns alike (DuckDB's names ignore case): {@link Step#apply}'s wrapping
     * would rename the second ({@code region_1}), and the sink would get, under the first name, a column the step may
     * have meant to replace ({@code SELECT *, upper(region) AS region}).
     *
     * @param input the query of the step's input, bound here as {@code input} for the step's SQL alone
     */
    private static void refuseTwoColumnsOfOneName(Connection c, String input, String sql, Options.Selected declared)
            throws SQLException {
        List<String> names;
        try (Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE TEMP VIEW input AS " + input);
            try {
                names = describe(c, sql);
            } catch (SQLException e) {
                return; // it bound through the wrapping: an error here is not the user's to fix
            } finally {
                s.execute("DROP VIEW IF EXISTS input");
            }
        }
        Map<String, Integer> first = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Integer seen = first.putIfAbsent(names.get(i).toLowerCase(java.util.Locale.ROOT), i);
            if (seen == null) continue;
            String name = names.get(seen);
            throw new ConfigException(new ConfigProblem(
                    declared.location(),
                    declared.path(),
                    "the step's result has two columns named \"" + name + "\" (columns " + (seen + 1) + " and "
                            + (i + 1) + "), and the sink would get the second as \"" + names.get(i) + "_1\": give it "
                            + "a name of its own (`... AS " + name + "_2`), or replace the column in place: "
                            + "`SELECT * REPLACE (expression AS " + name + ") FROM input`"));
        }
    }

    /**
     * A relative path in a step's SQL ({@code read_csv('regions.csv')}) naming a file both in the folder the run started
     * in and in the pipeline file's folder: DuckDB reads the first, and searches the second ({@code file_search_path})
     * only for a path missing there, while the pipeline means the second, as every path of it.
     *
     * @param folder the pipeline file's folder; null: none (relative paths are read from the working folder)
     */
    private static void refuseFilesInTwoFolders(Connection c, String sql, Path folder, Options.Selected declared) {
        if (folder == null) return;
        for (String text : pathsIn(c, sql)) {
            Path here;
            try {
                here = Path.of(text);
            } catch (java.nio.file.InvalidPathException e) {
                continue;
            }
            Path there = folder.resolve(here);
            if (here.isAbsolute() || !Files.isRegularFile(here) || !Files.isRegularFile(there)) continue;
            try {
                if (Files.isSameFile(here, there)) continue;
            } catch (IOException e) {
                continue; // gone meanwhile: nothing to choose between
            }
            throw new ConfigException(new ConfigProblem(
                    declared.location(),
                    declared.path(),
                    "the step reads '" + text + "', a relative path, which names " + there + " (in the pipeline "
                            + "file's folder, where the pipeline's relative paths are read from) but also "
                            + here.toAbsolutePath() + " (in the folder the run started in), which DuckDB would read "
                            + "instead: run from the pipeline file's folder, remove or rename the other file, or "
                            + "give the path as an absolute one"));
        }
    }

    /**
     * The text constants and file names read as tables ({@code FROM 'regions.csv'}) in a query, as DuckDB parses it;
     * none when it does not parse (its bind reports why).
     */
    private static List<String> pathsIn(Connection c, String sql) {
        List<String> paths = new ArrayList<>();
        parsed(c, sql).ifPresent(tree -> collectPaths(tree, paths));
        return paths;
    }

    private static void collectPaths(JsonNode node, List<String> paths) {
        JsonNode literal = node.path("literal");
        if (node.path("class").asText().equals("CONSTANT")
                && literal.path("kind").asText().equals("STRING")) {
            paths.add(literal.path("text").asText());
        }
        String table = node.path("table_name").asText("");
        if (node.path("type").asText().equals("BASE_TABLE") && table.contains(".")) paths.add(table);
        for (JsonNode child : node) collectPaths(child, paths);
    }

    /** A step's query does not bind: the problem at the step's line, or at the option naming the missing column. */
    private static ConfigException problem(
            Connection c, Options.Selected declared, SQLException e, List<String> input, String ownSql) {
        var error = EngineErrors.of(e);
        Optional<String> syntax = error.filter(
                        err -> err.kind().equals("Parser") || err.kind().equals("Syntax"))
                .flatMap(err -> ownSql == null ? Optional.empty() : syntaxError(c, ownSql));
        if (syntax.isPresent())
            return new ConfigException(new ConfigProblem(declared.location(), declared.path(), syntax.get()));
        String message = error.map(err -> EngineErrors.explain(err, input))
                .orElse(EngineErrors.withoutExcerpt(String.valueOf(e.getMessage())));
        String column = error.flatMap(EngineErrors::missingColumn).orElse(null);
        if (column != null && declared.value() instanceof Options o) {
            for (Map.Entry<String, Object> option : o.values().entrySet()) {
                if (mentions(option.getValue(), column)) {
                    return new ConfigException(
                            new ConfigProblem(o.locationOf(option.getKey()), o.pathOf(option.getKey()), message));
                }
            }
        }
        return new ConfigException(new ConfigProblem(declared.location(), declared.path(), message));
    }

    /**
     * DuckDB's syntax error in the user's SQL alone, with where it is in it; empty when it parses (the error is then in
     * how it meets the wrapping, and DuckDB's message on the whole query stands).
     */
    static Optional<String> syntaxError(Connection c, String sql) {
        // empty when it cannot be parsed for another reason: the message on the whole query stands
        return parsed(c, sql).filter(p -> p.path("error").asBoolean(false)).map(parsed -> {
            String message = "SQL " + parsed.path("error_message").asText("syntax error");
            int at = parsed.path("position").asInt(-1);
            if (at < 0 || at > sql.length()) return message;
            String before = sql.substring(0, at);
            int line = (int) before.chars().filter(ch -> ch == '\n').count() + 1;
            int column = at - (before.lastIndexOf('\n') + 1) + 1;
            return message + " (line " + line + ", column " + column + " of the step's SQL)";
        });
    }

    /** DuckDB's parse of a query ({@code json_serialize_sql}: its tree, or its syntax error); empty when it fails. */
    private static Optional<JsonNode> parsed(Connection c, String sql) {
        try (PreparedStatement p = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            p.setString(1, sql);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(JSON.readTree(r.getString(1))) : Optional.empty();
            }
        } catch (SQLException | IOException e) {
            return Optional.empty();
        }
    }

    private static boolean mentions(Object value, String column) {
        return switch (value) {
            case String s -> s.contains(column);
            case Collection<?> list -> list.stream().anyMatch(v -> mentions(v, column));
            case Map<?, ?> map -> map.values().stream().anyMatch(v -> mentions(v, column));
            case Options o -> o.values().values().stream().anyMatch(v -> mentions(v, column));
            case null, default -> false;
        };
    }

    /** How an error names a step: its number, kind and where it is written. */
    public static String name(int index, Options.Selected declared) {
        Location at = declared.location();
        return "step " + (index + 1) + " (" + declared.kind() + " at " + at.file() + ":" + at.line() + ")";
    }

    private static String names(LocalFiles input) {
        return String.join(
                ", ", input.parts().stream().map(LocalFiles.Part::key).toList());
    }
}
