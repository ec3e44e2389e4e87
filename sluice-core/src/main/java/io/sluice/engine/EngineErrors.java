package io.sluice.engine;

import io.sluice.config.Validator;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What DuckDB's errors mean to a user. A DuckDB error message starts with its kind ({@code Binder Error: ...});
 * the kind tells whether running the same split again can end differently, and the rest is turned into a message
 * that names the cause in the user's words, without the SQL Sluice wraps around the user's steps.
 */
public final class EngineErrors {
    /**
     * Kinds that fail the same way on every attempt over the same bytes: the SQL is wrong (parser, binder, catalog)
     * or a value in the data does not convert. I/O, memory and the rest may pass on another attempt, except a damaged
     * file ({@link #DAMAGED}).
     */
    private static final Set<String> SAME_EVERY_TIME = Set.of(
            "Parser", "Syntax", "Binder", "Catalog", "Conversion", "Out of Range", "Type Mismatch", "Not implemented");

    /**
     * DuckDB's words for a file whose bytes are cut short or are not what its name says (a gzip that ends early, a
     * Parquet file without its footer): the same bytes fail the same way at every attempt.
     */
    private static final Pattern DAMAGED = Pattern.compile("Unexpected end of GZIP stream|Input is not a GZIP stream"
            + "|No magic bytes found at end of file|Footer length error in file");

    private static final Pattern KIND = Pattern.compile("([A-Z][A-Za-z ]*?) Error: ");
    /** DuckDB ends a message with an excerpt of the statement: "LINE 1: ..." and carets under the culprit. */
    private static final Pattern EXCERPT = Pattern.compile("\\n+LINE \\d+: .*", Pattern.DOTALL);

    private static final Pattern OWN_NAMES = Pattern.compile("sluice_(src|check)_\\d+\\w*");
    private static final Pattern NO_COLUMN = Pattern.compile(
            "Referenced column \"([^\"]+)\" not found in FROM clause!|does not have a column named \"([^\"]+)\"");
    private static final Pattern NO_TABLE = Pattern.compile("Table with name ([^ ]+) does not exist!");
    private static final Pattern CAST_COLUMN = Pattern.compile("when casting from source column (\\S+)");
    private static final Pattern CAST_TYPE = Pattern.compile(" to ([A-Z][A-Z0-9_]*(\\(\\d+(,\\d+)?\\))?)(?= when|$)");

    /** DuckDB's messages name types by their internal names; SQL's differ (and INT8 there is a BIGINT). */
    private static final java.util.Map<String, String> SQL_NAMES = java.util.Map.of(
            "INT8",
            "TINYINT",
            "INT16",
            "SMALLINT",
            "INT32",
            "INTEGER",
            "INT64",
            "BIGINT",
            "INT128",
            "HUGEINT",
            "UINT8",
            "UTINYINT",
            "UINT16",
            "USMALLINT",
            "UINT32",
            "UINTEGER",
            "UINT64",
            "UBIGINT",
            "BOOL",
            "BOOLEAN");

    private EngineErrors() {}

    /** A DuckDB error: its kind ({@code Binder}, {@code IO}, ...) and its message without the kind. */
    public record EngineError(String kind, String message) {
        /** Fails the same way on every attempt over the same input: retrying cannot help. */
        public boolean sameEveryTime() {
            return SAME_EVERY_TIME.contains(kind) || damagedInput();
        }

        /** An input file that cannot be read as what it is named: damaged, or copied only in part. */
        public boolean damagedInput() {
            return DAMAGED.matcher(message).find();
        }

        /** A value in the data that does not convert to a type. */
        public boolean conversion() {
            return kind.equals("Conversion") || kind.equals("Out of Range");
        }

        /**
         * A value in the data that a step refuses: one that does not convert, or one a step's {@code error()} rejects
         * (an {@code Invalid Input} error, as the focus step raises for a cost that is not a number).
         */
        public boolean refusedValue() {
            return conversion() || kind.equals("Invalid Input");
        }

        /** An error in the SQL itself, found before any row is read. */
        public boolean inTheSql() {
            return kind.equals("Parser") || kind.equals("Syntax") || kind.equals("Binder") || kind.equals("Catalog");
        }
    }

    /** The first DuckDB error in the chain of causes. */
    public static Optional<EngineError> of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && t.getMessage() != null) {
                Matcher m = KIND.matcher(t.getMessage());
                if (m.lookingAt())
                    return Optional.of(
                            new EngineError(m.group(1), t.getMessage().substring(m.end())));
            }
        }
        return Optional.empty();
    }

    /** Whether a failed attempt is worth another: false for errors that repeat exactly on the same input. */
    public static boolean retryable(Throwable e) {
        if (e instanceof SplitFailure f) return f.retryable();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.sluice.spi.AttemptFailure f) return f.retryable();
        }
        return of(e).map(err -> !err.sameEveryTime()).orElse(true);
    }

    /** Whether bad records in the input failed the split, as {@code on_bad_record: fail} asks. */
    public static boolean badRecords(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SplitFailure f && f.badRecords()) return true;
        }
        return false;
    }

    /** Whether the failure is an input file that cannot be read as what it is named ({@link EngineError#damagedInput}). */
    public static boolean damagedInput(Throwable e) {
        return of(e).map(EngineError::damagedInput).orElse(false);
    }

    /** The column a binder error says is missing. */
    public static Optional<String> missingColumn(EngineError e) {
        Matcher m = NO_COLUMN.matcher(e.message());
        if (!e.kind().equals("Binder") || !m.find()) return Optional.empty();
        return Optional.of(m.group(1) != null ? m.group(1) : m.group(2));
    }

    /** The message without DuckDB's excerpt of the statement, which shows Sluice's own SQL, not the user's. */
    static String withoutExcerpt(String message) {
        return OWN_NAMES
                .matcher(EXCERPT.matcher(message).replaceAll(""))
                .replaceAll("the input")
                .strip();
    }

    /**
     * The cause in a user's words.
     *
     * @param columns the columns the failing step could read, for "did you mean"; empty when not known
     */
    public static String explain(EngineError e, List<String> columns) {
        String text = withoutExcerpt(e.message());
        Optional<String> column = missingColumn(e);
        if (column.isPresent()) {
            String name = column.get();
            return "no column \"" + name + "\" in the step's input" + Validator.suggestion(name, columns)
                    + (columns.isEmpty() ? "" : "; its columns: " + String.join(", ", columns));
        }
        Matcher table = NO_TABLE.matcher(text);
        if (e.kind().equals("Catalog") && table.find()) {
            String suggestion = Validator.suggestion(table.group(1), List.of("input"));
            return "no table " + table.group(1) + suggestion + ": a step reads its input (the source's records, or the "
                    + "previous step's result) as `input`";
        }
        if (e.kind().equals("Parser") || e.kind().equals("Syntax")) return "SQL " + text;
        String oneLine = text.replaceAll("\\s*\\n+\\s*", " ");
        if (e.conversion()) return e.kind() + " Error: " + oneLine + "; " + tryCastHint(oneLine);
        if (e.damagedInput())
            return e.kind() + " Error: " + oneLine
                    + "; the file is damaged or cut short (was it copied whole?): replace "
                    + "it with a good copy, or leave it out with the source's `exclude`, then `sluice retry`";
        return e.kind() + " Error: " + oneLine;
    }

    /** "use TRY_CAST(amount AS DOUBLE) to get NULL instead", with the column and type when the message names them. */
    static String tryCastHint(String message) {
        Matcher c = CAST_COLUMN.matcher(message);
        Matcher t = CAST_TYPE.matcher(message);
        String column = c.find() ? c.group(1) : "x";
        String type = t.find() ? SQL_NAMES.getOrDefault(t.group(1), t.group(1)) : "type";
        return "use TRY_CAST(" + column + " AS " + type + ") in the step to get NULL instead, " + "or fix the input";
    }
}
