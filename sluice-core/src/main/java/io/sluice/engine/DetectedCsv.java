package io.sluice.engine;

import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Csv files whose column types DuckDB detects. It types each column from a sample (the first 20,480 rows of the first
 * 10 files of a read) and casts every later value to that type, where the cast may change it: past the sample, ZIP code
 * {@code 02134} in a column of integers was read as {@code 2134} and the amount {@code 19.99} as {@code 20}, silently,
 * while in the sample either would have made its column text. Every value is looked at as text: a column holding one
 * its detected type would change is read as text, as DuckDB reads it when the sample holds the value.
 *
 * <p>Two ways to look: {@link #checkedInRead} reads the columns to check as text and casts them in the read itself,
 * which fails ({@link #raised}) at the first value the cast would change or refuse (or, cheaper to look at, at an
 * integer not written as the cast writes it back, such as {@code 5.0}); {@link #exact} reads every value
 * once more before the read, and reads as text the columns holding such a value. A split runs the first, and the second
 * only after the first failed (rare: a value that changes or is bad).
 *
 * <p>Both learn the detected types first. A group of one file (a split of one file: most) is sniffed once, by {@code
 * sniff_csv}, and read with the dialect and types it found ({@code auto_detect = false}), so that its read does not
 * sniff the file again (about 0.06 s of CPU per 100 MB); a group of several is described by DuckDB, whose sniff of a
 * multi-file read samples up to 10 of them, and its read detects them again.
 *
 * <p>A byte range of a file that does not start at its top takes its columns, their types and its date and timestamp
 * formats from a sniff of the file's head ({@code heads}), the sample the range at byte 0 is typed by, and only its
 * dialect from its own sniff: sniffed alone, a range of integers typed a column BIGINT where the file's other ranges
 * had DOUBLE, and a range where a column is empty typed it VARCHAR, so the outputs of one file disagreed on types. The
 * checks above then apply to the range as to a whole file: a column holding a value its head's type would change is
 * text in that range only.
 *
 * @param heads   the head of the input a file is a byte range of ({@code LocalFiles.Part#head}), by file; a file not
 *     here is typed by its own sniff
 * @param declared the columns whose types the user declared: neither detected nor checked, in every file and range;
 *     its groups of files (one header line each, each read by one {@code read_csv}) and their options are the ones read
 */
record DetectedCsv(Map<Path, Path> heads, DeclaredCsv declared) {
    DetectedCsv {
        heads = Map.copyOf(heads);
    }

    /** The types DuckDB's sniffer gives a number only when it is written without a leading zero, {@code +} or {@code _}. */
    private static final Set<String> NUMBERS = Set.of("BIGINT", "DOUBLE");

    /** The message of the error a read of {@link #checkedInRead} raises; no user sees it. */
    private static final String RECHECK = "sluice: a csv value its detected type would change or refuse";

    /** The SQL of the error a read raises at a value to look at again ({@link #raised}). */
    static String recheck() {
        return "error(" + Sql.literal(RECHECK) + ")";
    }

    /**
     * One group's read: its {@code read_csv} options, what it selects from them, which rows ("": all), and the date
     * formats its declared columns read as text are cast in.
     */
    record Read(String options, String select, String where, DeclaredCsv.Formats formats) {
        Read(String options, String select) {
            this(options, select, "", DeclaredCsv.Formats.NONE);
        }
    }

    /** A column whose detected type some value of it could change, and the condition on its text that says so. */
    private record Checked(String name, String type, String changes) {}

    /**
     * Each group's read, the columns to check read as text and cast to their detected type by the read's select, which
     * raises an error ({@link #raised}) at a value the cast would change or refuse; empty when no column needs a check
     * (or a sniff of the files fails: the split's read itself reports why).
     */
    Optional<List<Read>> checkedInRead(Statement s) throws DeclaredCsv.Refused {
        return reads(true, files -> {
            Detection detected = detect(s, files);
            List<Checked> checked = checked(detected);
            if (checked.isEmpty())
                return detected.dialect() == null && declared.changing().isEmpty()
                        ? null
                        : read(detected, List.of(), List.of(), true);
            List<String> casts = new ArrayList<>();
            String recheck = recheck();
            for (Checked c : checked) {
                String column = Sql.identifier(c.name());
                String cast = "TRY_CAST(" + column + " AS " + c.type() + ")";
                // each value cast once (the read's hot path): a NULL cast of a value that is not NULL is a refusal
                if (c.type().equals("BIGINT")) {
                    // an integer written as its cast writes it back: one comparison instead of c.changes()' five
                    // looks at the text; one written otherwise (5.0, 05, +5, " 5") is looked at again by exact(),
                    // which keeps the column typed when the value is unchanged (5.0)
                    casts.add("CASE WHEN " + cast + "::VARCHAR = " + column + " THEN " + cast + " WHEN " + column
                            + " IS NOT NULL THEN " + recheck + " END AS " + column);
                } else {
                    casts.add("CASE WHEN " + c.changes() + " THEN " + recheck + " ELSE coalesce(" + cast
                            + ", CASE WHEN " + column + " IS NOT NULL THEN " + recheck + " END) END AS " + column);
                }
            }
            return read(detected, checked.stream().map(Checked::name).toList(), casts, true);
        });
    }

    /** Whether {@code e} (or its cause) is the error of a read of {@link #checkedInRead} at a value to look at again. */
    static boolean raised(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(RECHECK)) return true;
        }
        return false;
    }

    /**
     * Each group's read, with the columns some value of which their detected type would change as text; empty when
     * every value converts as written (or a read fails: the split's read itself reports why).
     */
    Optional<List<Read>> exact(Statement s) throws DeclaredCsv.Refused {
        return reads(false, files -> {
            Detection detected = detect(s, files);
            List<String> text = changing(s, files, detected);
            return text.isEmpty()
                            && detected.dialect() == null
                            && declared.changing().isEmpty()
                    ? null
                    : read(detected, text, List.of(), false);
        });
    }

    /** How one group of files is read; null: as DuckDB detects it by itself, without a check. */
    @FunctionalInterface
    private interface GroupRead {
        Read of(List<Path> files) throws SQLException;
    }

    /**
     * Each group's read; empty when every group is read as detected, or when one fails (but for a group lacking a
     * declared column).
     *
     * @param inRead the declared columns' values checked in the read ({@link DeclaredCsv#select})
     */
    private Optional<List<Read>> reads(boolean inRead, GroupRead read) throws DeclaredCsv.Refused {
        List<Read> reads = new ArrayList<>();
        boolean any = false;
        for (List<Path> files : declared.groups()) {
            Read r;
            try {
                r = read.of(files);
            } catch (DeclaredCsv.Refused e) {
                throw e;
            } catch (SQLException e) {
                return Optional.empty();
            }
            any |= r != null;
            reads.add(r == null ? declared.read(inRead, DeclaredCsv.Sniffed.NONE) : r);
        }
        return any ? Optional.of(reads) : Optional.empty();
    }

    /** The {@code read_csv} options with the declared types: a sniff then gives those columns those types. */
    private String typed() {
        return declared.options() + declared.option();
    }

    /**
     * One group's columns as DuckDB detects them.
     *
     * @param dialect the {@code read_csv} options of the dialect the sniffer found, for a read that detects nothing
     *     again; null: the read detects it and the columns itself (a group of several files, whose sample spans up to
     *     10 of them)
     * @param formats the {@code read_csv} options of the date and timestamp formats the sniffer found with the columns
     * @param dates   those formats, in which the declared columns read as text are cast
     */
    private record Detection(List<Column> columns, String dialect, String formats, DeclaredCsv.Formats dates) {}

    private record Column(String name, String type) {}

    /**
     * How a group's files are read, with {@code text} read as text: a group of one file as its sniff found it, so that
     * the read does not sniff the file again; a group of several with DuckDB's detection and those columns' types set.
     */
    private Read read(Detection detected, List<String> text, List<String> replaced, boolean inRead) {
        String select = declared.select(replaced, inRead, new DeclaredCsv.Sniffed(detected.dates(), names(detected)));
        String where = inRead ? "" : declared.where(detected.dates());
        if (detected.dialect() == null)
            return new Read(declared.options() + declared.readOption(text), select, where, detected.dates());
        String columns = String.join(
                ", ",
                detected.columns().stream()
                        .map(c -> Sql.literal(c.name()) + ": "
                                + Sql.literal(
                                        text.contains(c.name()) || declared.readsAsText(c.name())
                                                ? "VARCHAR"
                                                : c.type()))
                        .toList());
        return new Read(
                declared.options() + detected.dialect() + detected.formats() + ", columns = {" + columns + "}",
                select,
                where,
                detected.dates());
    }

    /** The columns of {@code files} as DuckDB detects them: one file's by its sniff, several files' by a description. */
    private Detection detect(Statement read, List<Path> files) throws SQLException {
        Detection detected = described(read, files);
        declared.missing(files, names(detected));
        return detected;
    }

    private Detection described(Statement read, List<Path> files) throws SQLException {
        if (files.size() == 1) return sniffed(read, files.getFirst(), heads.get(files.getFirst()));
        List<Column> columns = new ArrayList<>();
        // a statement of its own: DuckDB closes a statement whose query failed, and the read's own error must be seen
        try (Statement s = read.getConnection().createStatement();
                ResultSet r = s.executeQuery(
                        "DESCRIBE SELECT * FROM read_csv(" + Sql.pathList(files) + ", " + typed() + ")")) {
            while (r.next()) columns.add(new Column(r.getString("column_name"), r.getString("column_type")));
        }
        return new Detection(columns, null, "", declared.formats(read, files));
    }

    /**
     * A file's columns and dialect from DuckDB's {@code sniff_csv}: the sniff its {@code read_csv} would run; a byte
     * range's columns, types and formats from the sniff of its file's {@code head} (when given, and when it finds the
     * range's columns: the same header line read with the same delimiter), its dialect from its own.
     */
    private Detection sniffed(Statement read, Path file, Path head) throws SQLException {
        Detection own = sniffed(read, file);
        if (head == null || own.dialect() == null) return own;
        Detection top;
        try {
            top = sniffed(read, head);
        } catch (SQLException e) {
            return own; // the range is read as it sniffs itself, as before heads were sniffed
        }
        return names(top).equals(names(own))
                ? new Detection(top.columns(), own.dialect(), top.formats(), top.dates())
                : own;
    }

    private static List<String> names(Detection d) {
        return d.columns().stream().map(Column::name).toList();
    }

    /** A file's columns, dialect and formats from its own sniff. */
    private Detection sniffed(Statement read, Path file) throws SQLException {
        List<Column> columns = new ArrayList<>();
        String dialect = null;
        String formats = "";
        DeclaredCsv.Formats dates = DeclaredCsv.Formats.NONE;
        // store_rejects as the split's read: without it, the strict sniffer takes a file with a malformed row for
        // one column of text (it creates no table)
        try (Statement s = read.getConnection().createStatement();
                ResultSet r = s.executeQuery("SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, "
                        + "DateFormat, TimestampFormat, unnest(Columns, recursive := true) FROM sniff_csv("
                        + Sql.literal(file.toString()) + ", " + typed() + ", store_rejects = true)")) {
            while (r.next()) {
                columns.add(new Column(r.getString("name"), r.getString("type")));
                dialect = ", auto_detect = false, delim = " + Sql.literal(r.getString("Delimiter")) + ", quote = "
                        + sniffedChar(r.getString("Quote")) + ", escape = " + sniffedChar(r.getString("Escape"))
                        + ", new_line = " + Sql.literal(r.getString("NewLineDelimiter")) + ", comment = "
                        + sniffedChar(r.getString("Comment")) + ", skip = " + r.getLong("SkipRows");
                formats = format("dateformat", r.getString("DateFormat"))
                        + format("timestampformat", r.getString("TimestampFormat"));
                dates = DeclaredCsv.Formats.of(r);
            }
        }
        return new Detection(columns, dialect, formats, dates);
    }

    /** A quote, escape or comment character as {@code sniff_csv} gives it, as a literal ({@code (empty)}: none). */
    private static String sniffedChar(String c) {
        return Sql.literal(c.equals("(empty)") ? "" : c);
    }

    /** The option setting a date or timestamp format the sniffer found; none where it found none. */
    private static String format(String option, String format) {
        return format == null ? "" : ", " + option + " = " + Sql.literal(format);
    }

    /** The columns whose detected type some value could change (a declared type is the user's, not checked). */
    private List<Checked> checked(Detection detected) {
        List<Checked> checked = new ArrayList<>();
        for (Column c : detected.columns()) {
            if (declared.declares(c.name())) continue;
            String check = changes(Sql.identifier(c.name()), c.type());
            if (check != null) checked.add(new Checked(c.name(), c.type(), check));
        }
        return checked;
    }

    /** The columns of {@code files} that hold a value their detected type would change. */
    private List<String> changing(Statement read, List<Path> files, Detection detected) throws SQLException {
        List<Checked> checked = checked(detected);
        // every value as text, split as the read splits it
        String asText = detected.dialect() == null
                ? declared.options() + ", all_varchar = true"
                : read(detected, detected.columns().stream().map(Column::name).toList(), List.of(), true)
                        .options();
        if (checked.isEmpty()) return List.of();
        List<String> text = new ArrayList<>();
        try (Statement s = read.getConnection().createStatement();
                ResultSet r = s.executeQuery("SELECT "
                        + String.join(
                                ", ",
                                checked.stream()
                                        .map(c -> "coalesce(bool_or(" + c.changes() + "), false)")
                                        .toList())
                        + " FROM read_csv(" + Sql.pathList(files) + ", " + asText + ", ignore_errors = true)")) {
            r.next();
            for (int i = 0; i < checked.size(); i++) {
                if (r.getBoolean(i + 1)) text.add(checked.get(i).name());
            }
        }
        return text;
    }

    /**
     * A condition on a column's text, true when the cast to {@code type} would change the value: a number written with
     * a leading zero, a {@code +} or a {@code _} (which the sniffer would have left text), or a value the type rounds
     * or cuts ({@link ExactCasts}); null when no value of the type can change. (A number starting with a digit 1-9,
     * nearly every one, needs no regular expression.)
     */
    private static String changes(String column, String type) {
        String exact = ExactCasts.changes(column, type);
        String number = NUMBERS.contains(type)
                ? "((ascii(" + column + ") NOT BETWEEN 49 AND 57 AND regexp_matches(" + column
                        + ", '^\\s*([-+]?0[0-9]|\\+)')) OR contains(" + column + ", '_'))"
                : null;
        if (exact == null) return number;
        return number == null ? exact : "(" + number + " OR " + exact + ")";
    }
}
