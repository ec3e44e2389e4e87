package io.sluice.engine;

import io.sluice.config.Validator;
import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Csv columns whose types the user declared ({@code source.files.types}): DuckDB's reader casts their values to those
 * types, in every file and byte range alike, and a value that does not convert is a bad record of its line (a {@code
 * CAST} reject). A column whose type may round or cut a value ({@link ExactCasts}: {@code 1.5} as a BIGINT is 2, which
 * DuckDB's reader does silently) is read as text and cast by the read's select: a record holding such a value is a bad
 * record of its line too, found by the read itself ({@link #select}, one pass) and, when there is one, by a read of
 * every value before the read again ({@link #flag}). {@link #check} refuses a file that lacks a declared column.
 *
 * <p>A class, not a record: it keeps its files' {@link #check}, made once (a split's second read checks the files its
 * first read did), where nothing else can set or share it.
 */
final class DeclaredCsv {
    private final String prefix;
    private final Map<String, String> types;
    private final Map<Path, String> keys;
    private final List<List<Path>> groups;
    private final String options;
    /** Each group's {@link #check}, by the first that asks for it; null: not sniffed yet. */
    private final Sniffed[] sniffs;

    /**
     * @param prefix  the names of the read's tables start with it
     * @param types   the declared types by column name (DuckDB matches the names regardless of case); empty: none
     * @param keys    the name a user knows each file by
     * @param groups  the files, in groups of one header line, each read by one {@code read_csv}
     * @param options the {@code read_csv} options of every group, without the declared types
     */
    DeclaredCsv(
            String prefix, Map<String, String> types, Map<Path, String> keys, List<List<Path>> groups, String options) {
        this.prefix = prefix;
        this.types = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(types));
        this.keys = Map.copyOf(keys);
        this.groups = List.copyOf(groups);
        this.options = options;
        this.sniffs = new Sniffed[this.groups.size()];
    }

    /** No column declared. */
    static DeclaredCsv none(String prefix, List<List<Path>> groups, String options) {
        return new DeclaredCsv(prefix, Map.of(), Map.of(), groups, options);
    }

    /** The names of the read's tables start with it. */
    String prefix() {
        return prefix;
    }

    /** The declared types by column name; empty: none. */
    Map<String, String> types() {
        return types;
    }

    /** The files, in groups of one header line, each read by one {@code read_csv}. */
    List<List<Path>> groups() {
        return groups;
    }

    /** The {@code read_csv} options of every group, without the declared types. */
    String options() {
        return options;
    }

    /** The table {@link #flag} fills. */
    String flagged() {
        return prefix + "_declared";
    }

    /** A declared type the files do not fit: the split fails, the same way at every attempt. */
    static final class Refused extends SQLException {
        Refused(String message) {
            super(message);
        }
    }

    /**
     * The date and timestamp formats DuckDB's sniff of a group's files found (null: none), in which its typed read
     * parses dates ({@code 03/29/2026}: {@code %m/%d/%Y}); a column read as text is cast in them too.
     */
    record Formats(String date, String timestamp) {
        static final Formats NONE = new Formats(null, null);

        /** The formats of a {@code sniff_csv} row: its {@code DateFormat} and {@code TimestampFormat}. */
        static Formats of(ResultSet sniff) throws SQLException {
            return new Formats(sniff.getString("DateFormat"), sniff.getString("TimestampFormat"));
        }
    }

    /**
     * What a sniff of a group's files found: its date formats, and its columns as the file names them (a declared
     * column read as text keeps that name, not the declared key's case: {@code price}, declared {@code Price}); empty:
     * not known.
     */
    record Sniffed(Formats formats, List<String> columns) {
        static final Sniffed NONE = new Sniffed(Formats.NONE, List.of());

        Sniffed {
            columns = List.copyOf(columns);
        }
    }

    /** The {@code read_csv} option giving the declared types; none when there are none. */
    String option() {
        List<String> entries = new ArrayList<>();
        types.forEach((name, type) -> entries.add(Sql.literal(name) + ": " + Sql.literal(type)));
        return entries.isEmpty() ? "" : ", types = {" + String.join(", ", entries) + "}";
    }

    /**
     * A condition over every declared column that is never false, by which a read's select is filtered so that it
     * computes those columns for every record ("": none declared). DuckDB reads and casts only the columns a query
     * uses: without it, a value its declared type refuses in a column no step reads would be written unchecked, or
     * flagged only when another record sends the split to its second read ({@link #flag}, which checks them all).
     */
    String everyRecordChecked() {
        if (types.isEmpty()) return "";
        // hash is never NULL; a filter over the select's output, which DuckDB does not push into the scan: the cast
        // each column's select makes (raising where the read checks itself) is the one it evaluates, once
        return "hash("
                + String.join(", ", types.keySet().stream().map(Sql::identifier).toList()) + ") IS NOT NULL";
    }

    /** Whether {@code column} is declared with a type that may round or cut a value, and so read as text. */
    boolean readsAsText(String column) {
        return changing().keySet().stream().anyMatch(n -> n.equalsIgnoreCase(column));
    }

    /** Whether {@code column} is declared (names compared as DuckDB compares them, regardless of case). */
    boolean declares(String column) {
        return types.keySet().stream().anyMatch(n -> n.equalsIgnoreCase(column));
    }

    /**
     * The {@code read_csv} option of a read: {@link #option}, but a column whose declared type may round or cut a value
     * is read as text, which {@link #select} casts.
     */
    String readOption(List<String> text) {
        List<String> asText = new ArrayList<>(text);
        asText.addAll(changing().keySet());
        List<String> entries = new ArrayList<>();
        types.forEach((name, type) -> {
            if (!changing().containsKey(name)) entries.add(Sql.literal(name) + ": " + Sql.literal(type));
        });
        for (String t : asText)
            if (!declares(t) || changing().containsKey(t)) entries.add(Sql.literal(t) + ": 'VARCHAR'");
        return entries.isEmpty() ? "" : ", types = {" + String.join(", ", entries) + "}";
    }

    /** The declared columns whose type may round or cut a value, each with the condition on its text that says so. */
    Map<String, String> changing() {
        Map<String, String> changing = new java.util.LinkedHashMap<>();
        types.forEach((name, type) -> {
            String changes = ExactCasts.changes(Sql.identifier(name), type);
            if (changes != null) changing.put(name, changes);
        });
        return changing;
    }

    /**
     * What a read of {@link #readOption} selects: {@code replaced} (a {@code * REPLACE} list of the read's own) and the
     * columns read as text cast to their declared type, named as the file names them ({@code sniffed}). {@code inRead}:
     * a value that its type would change or refuse raises the error of a read to do again ({@link DetectedCsv#raised};
     * the read is done again, {@link #flag} first); else the cast of a value {@link #where} keeps.
     */
    String select(List<String> replaced, boolean inRead, Sniffed sniffed) {
        String recheck = DetectedCsv.recheck();
        Formats formats = sniffed.formats();
        List<String> casts = new ArrayList<>(replaced);
        changing().forEach((name, changes) -> {
            String column = Sql.identifier(sniffed.columns().stream()
                    .filter(c -> c.equalsIgnoreCase(name))
                    .findFirst()
                    .orElse(name));
            String cast = cast(name, formats);
            casts.add(
                    inRead
                            ? "coalesce(CASE WHEN " + changes + " THEN " + recheck + " ELSE " + cast
                                    + " END, CASE WHEN " + column + " IS NOT NULL THEN " + recheck + " END) AS "
                                    + column
                            : cast + " AS " + column);
        });
        return casts.isEmpty() ? "*" : "* REPLACE (" + String.join(", ", casts) + ")";
    }

    /** The condition on a read of {@link #readOption} of the records {@link #flag} finds no fault with; "": all. */
    String where(Formats formats) {
        List<String> ok = new ArrayList<>();
        // the exact complement of flag's CASE WHEN bad: a NULL condition neither drops a record nor flags it
        changing().forEach((name, changes) -> ok.add(bad(name, changes, formats) + " IS NOT TRUE"));
        return String.join(" AND ", ok);
    }

    /** Whether the text of a declared column is a value its type refuses or would change. */
    private String bad(String name, String changes, Formats formats) {
        String column = Sql.identifier(name);
        return "(" + column + " IS NOT NULL AND (" + cast(name, formats) + " IS NULL OR " + changes + "))";
    }

    /**
     * The cast of a declared column read as text: a date or timestamp in the format the sniff found first, as the typed
     * read parses it, else as DuckDB casts text (ISO), which {@link ExactCasts#changes} looks at; NULL: refused.
     */
    private String cast(String name, Formats formats) {
        String column = Sql.identifier(name);
        String type = types.get(name);
        String cast = "TRY_CAST(" + column + " AS " + type + ")";
        String format = format(name, formats);
        return format == null
                ? cast
                : "coalesce(TRY_CAST(TRY_STRPTIME(" + column + ", " + Sql.literal(format) + ") AS " + type + "), "
                        + cast + ")";
    }

    /**
     * A group's read of {@link #readOption} and {@link #select} (checked in the read: {@code inRead}), when nothing but
     * the declared types decides how it is read.
     */
    DetectedCsv.Read read(boolean inRead, Sniffed sniffed) {
        return new DetectedCsv.Read(
                options + readOption(List.of()),
                select(List.of(), inRead, sniffed),
                inRead ? "" : where(sniffed.formats()),
                sniffed.formats());
    }

    /**
     * Refuses the first group of files that lacks a declared column; else each group's date and timestamp formats and
     * columns (each group sniffed by DuckDB, as its typed read would sniff it). The files are sniffed once: a later call
     * answers as the first did (the files do not change between a split's reads).
     */
    List<Sniffed> check(Statement read) throws SQLException {
        if (types.isEmpty()) return java.util.Collections.nCopies(groups.size(), Sniffed.NONE);
        List<Sniffed> checked = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) checked.add(check(read, g));
        return checked;
    }

    /** The {@link #check} of group {@code g}: sniffed by the first call, which it refuses when it lacks a column. */
    private Sniffed check(Statement read, int g) throws SQLException {
        if (sniffs[g] == null) sniffs[g] = sniff(read, groups.get(g));
        return sniffs[g];
    }

    private Sniffed sniff(Statement read, List<Path> files) throws SQLException {
        List<String> columns = new ArrayList<>();
        Formats found = Formats.NONE;
        try (Statement s = read.getConnection().createStatement();
                ResultSet r = s.executeQuery("SELECT DateFormat, TimestampFormat, unnest(Columns, recursive := "
                        + "true) FROM sniff_csv("
                        + Sql.literal(files.getFirst().toString()) + ", " + options
                        + option() + ", store_rejects = true)")) {
            while (r.next()) {
                columns.add(r.getString("name"));
                found = Formats.of(r);
            }
        } catch (SQLException e) {
            // a declared column the file lacks fails the sniff: its columns, as the read finds them, say which
            try (Statement s = read.getConnection().createStatement();
                    ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM read_csv("
                            + Sql.literal(files.getFirst().toString()) + ", " + options + ")")) {
                while (r.next()) columns.add(r.getString("column_name"));
            }
        }
        missing(files, columns);
        return new Sniffed(found, columns);
    }

    /**
     * The formats of the dates of {@code files}, one of the {@link #groups}, from its {@link #check} (sniffed once for
     * both of a split's reads), when a column read as text is a date or time.
     */
    Formats formats(Statement read, List<Path> files) throws SQLException {
        boolean dates = changing().keySet().stream().anyMatch(n -> ExactCasts.Dated.of(types.get(n)) != null);
        if (!dates) return Formats.NONE;
        int g = groups.indexOf(files);
        if (g < 0) throw new IllegalArgumentException("not a group of these declared types' files: " + files);
        return check(read, g).formats();
    }

    /** Refuses {@code files}, of the {@code columns} given, when they lack a declared column. */
    void missing(List<Path> files, List<String> columns) throws Refused {
        for (String name : types.keySet()) {
            if (columns.stream().noneMatch(c -> c.equalsIgnoreCase(name))) {
                throw new Refused("source.files.types declares the column '" + name + "', which "
                        + keys.getOrDefault(files.getFirst(), files.getFirst().toString())
                        + " does not have" + Validator.suggestion(name, columns) + "; its columns: "
                        + String.join(", ", columns) + ". Fix the name in types, or remove it");
            }
        }
    }

    /**
     * Creates the table {@code table} of the bad records {@link #where} leaves out, as a {@link Reader}'s rejects:
     * {@code file_path, line, line_start, error_type, error_message, csv_line}, each named by its record number and
     * byte position as DuckDB names the records its reader rejects (so that they become dead letters as those do: line
     * or byte, in plain and gzipped files and byte ranges alike). Each file is read once more, every column as text.
     *
     * @return how many records the table holds
     */
    long flag(Statement read, List<Formats> formats) throws SQLException {
        String table = flagged();
        read.execute("CREATE OR REPLACE TEMP TABLE " + table + " (file_path VARCHAR, line BIGINT, line_start BIGINT, "
                + "error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR)");
        // every column read as text: a value another column's detected type refuses would make its record a reject
        // of this read, unnumbered, while the split's read makes that column text and keeps the record
        String asText = options.contains("all_varchar") ? "" : ", all_varchar = true";
        long flagged = 0;
        try (Statement s = read.getConnection().createStatement()) {
            for (int g = 0; g < groups.size(); g++) {
                Formats dates = formats.get(g);
                List<String> reasons = new ArrayList<>();
                changing()
                        .forEach((name, changes) -> reasons.add(
                                "CASE WHEN " + bad(name, changes, dates) + " THEN " + reason(name, dates) + " END"));
                for (Path file : groups.get(g)) {
                    String rejects = table + "_rej";
                    String scans = table + "_scan";
                    List<long[]> bad = new ArrayList<>(); // {the record's number among the rows read, its reason's row}
                    List<String> why = new ArrayList<>();
                    List<String> seen = new ArrayList<>(); // the records as this read sees them
                    String source = "read_csv(" + Sql.literal(file.toString()) + ", " + options + asText;
                    try (ResultSet r = s.executeQuery("SELECT " + RECORD + ", reason, seen FROM (SELECT row_number() "
                            + "OVER () AS " + RECORD + ", concat_ws('; ', " + String.join(", ", reasons)
                            + ") AS reason, "
                            + seen(s, file, source + ")") + " AS seen FROM " + source
                            + ", store_rejects = true, rejects_table = " + Sql.literal(rejects) + ", rejects_scan = "
                            + Sql.literal(scans) + ")) WHERE reason <> ''")) {
                        while (r.next()) {
                            bad.add(new long[] {r.getLong(1), why.size()});
                            why.add(r.getString(2));
                            seen.add(r.getString(3));
                        }
                    }
                    if (!bad.isEmpty()) {
                        List<Long> skipped = new ArrayList<>(); // records this read rejected, not numbered by it
                        try (ResultSet r = s.executeQuery("SELECT DISTINCT line FROM " + rejects + " ORDER BY line")) {
                            while (r.next()) skipped.add(r.getLong(1));
                        }
                        insert(s, table, file, records(bad, skipped), why, seen);
                        flagged += bad.size();
                    }
                    s.execute("DROP TABLE IF EXISTS " + rejects);
                    s.execute("DROP TABLE IF EXISTS " + scans);
                }
            }
        }
        return flagged;
    }

    /**
     * The text of a record as {@code read} sees it, as DuckDB's text of a record it rejects: its values as the read
     * splits them (every one text), joined by the delimiter it found, an empty one for NULL (a value holding the
     * delimiter or a quote is not quoted again). The dead letter's text where its record is not read from the file's
     * bytes ({@link RecordTexts}): a zstd file's (no decoder here), or a record over 1 MB.
     */
    private static String seen(Statement s, Path file, String read) throws SQLException {
        String delimiter = ",";
        // only a zstd file's records are never read from its bytes: a sniff of every file would cost each split with
        // declared types one more (a record over 1 MB of another file is joined by commas)
        if (zstd(file))
            try (Statement sniff = s.getConnection().createStatement(); // DuckDB closes a statement whose query failed
                    ResultSet r = sniff.executeQuery(
                            "SELECT Delimiter FROM sniff_csv" + read.substring("read_csv".length()))) {
                if (r.next()) delimiter = r.getString(1);
            } catch (SQLException e) {
                // the read found its delimiter all the same: the record's values joined by the usual one
            }
        return "array_to_string(list_transform([*COLUMNS(*)], lambda v: coalesce(v, '')), " + Sql.literal(delimiter)
                + ")";
    }

    private static boolean zstd(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".zst") || name.endsWith(".zstd");
    }

    /** The column the check numbers each row read in: not {@code rn}, which a file may have. */
    private static final String RECORD = "_sluice_declared_record";

    /**
     * Each bad row's record number in its file, as DuckDB's rejects number records (a header is record 1), from its
     * number among the rows read and the records the read rejected (ascending).
     */
    private long[] records(List<long[]> bad, List<Long> skipped) {
        boolean header = options.contains("header = true");
        long[] records = new long[bad.size()];
        int k = 0;
        long passed = 0; // skipped records before the current one
        for (int i = 0; i < records.length; i++) {
            long record = bad.get(i)[0] + (header ? 1 : 0) + passed;
            while (k < skipped.size() && skipped.get(k) <= record) {
                k++;
                passed++;
                record++;
            }
            records[i] = record;
        }
        return records;
    }

    /**
     * Inserts the bad records of {@code file}, each with its byte position (the dead letter reads its text there: {@link
     * RecordTexts}; a zstd file's has none, no decoder here: the record number names them) and its text as {@code
     * seen}, the dead letter's where its bytes are not read.
     */
    private static void insert(
            Statement s, String table, Path file, long[] records, List<String> why, List<String> seen)
            throws SQLException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        RecordOrigins.Position[] at = null;
        if (!zstd(file)) {
            try {
                long[] sorted =
                        java.util.Arrays.stream(records).sorted().distinct().toArray();
                RecordOrigins.Position[] found =
                        RecordOrigins.positions(file, name.endsWith(".gz"), true, sorted, Long.MAX_VALUE);
                at = new RecordOrigins.Position[records.length];
                for (int i = 0; i < records.length; i++)
                    at[i] = found[java.util.Arrays.binarySearch(sorted, records[i])];
            } catch (java.io.IOException e) {
                throw new SQLException("could not read " + file + " again: " + e.getMessage(), e);
            }
        }
        // values, not literals: a record may hold any byte (a NUL ends a literal in DuckDB's parser)
        try (PreparedStatement insert =
                s.getConnection().prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, 'CAST', ?, ?)")) {
            for (int i = 0; i < records.length; i++) {
                insert.setString(1, file.toString());
                insert.setLong(2, records[i]);
                if (at == null) insert.setNull(3, java.sql.Types.BIGINT);
                else insert.setLong(3, at[i].offset() + 1);
                insert.setString(4, why.get(i));
                insert.setString(5, seen.get(i));
                insert.addBatch();
                if ((i + 1) % 1000 == 0 || i == records.length - 1) insert.executeBatch();
            }
        }
    }

    /** The format of {@code formats} a declared date or timestamp column is cast in first; null: none. */
    private String format(String name, Formats formats) {
        ExactCasts.Dated dated = ExactCasts.Dated.of(types.get(name));
        String format = dated == null ? null : dated == ExactCasts.Dated.DATE ? formats.date() : formats.timestamp();
        return format == null || format.isBlank() ? null : format;
    }

    /** Why a record's value of {@code name} is bad: its type refuses it, or would round or cut it. */
    private String reason(String name, Formats formats) {
        String column = Sql.identifier(name);
        String type = types.get(name);
        String lower = type.toLowerCase(Locale.ROOT);
        String format = format(name, formats);
        String refused = Sql.literal("Error when converting column \"" + name + "\". Could not convert string \"")
                + " || " + column + " || "
                + Sql.literal("\" to '" + type.toUpperCase(Locale.ROOT) + "'"
                        + (format == null ? "" : " (read in the file's format " + format + ", else as ISO)"));
        String changed = Sql.literal("the value '") + " || " + column + " || "
                + Sql.literal("' of column '" + name
                        + "' is not " + (lower.matches("[aeio].*") ? "an " : "a ") + lower
                        + " as written: its cast would round or cut it (source.files.types). Declare a "
                        + "type that holds it ("
                        + (lower.matches("(date|time).*")
                                ? "timestamp for a time of day, timestamp_ns for nanoseconds, timestamptz for a zone offset, varchar"
                                : "double, a decimal with more digits after the point, varchar")
                        + "), or fix the file");
        return "CASE WHEN " + cast(name, formats) + " IS NULL THEN " + refused + " ELSE " + changed + " END";
    }
}
