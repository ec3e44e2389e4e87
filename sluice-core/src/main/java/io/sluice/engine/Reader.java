package io.sluice.engine;

import io.sluice.spi.LineParse;
import io.sluice.spi.Sql;
import io.sluice.spi.source.LocalFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * How DuckDB reads one split's files, and where the bad records it met end up.
 *
 * <p>Bad records are collected under every policy, {@code fail} included: DuckDB's strict sniffer reads a CSV file
 * with one malformed row as a single column, silently; the processor fails the split when the policy says so.
 *
 * @param prepare  statements to run before {@code relation} is read
 * @param relation a query producing the split's records
 * @param after    statements to run after the read (they define the {@code rejects} view)
 * @param rejects  a view of the bad records: {@code file_path, line, error_type, error_message, csv_line} (csv reads:
 *                 {@code line} is DuckDB's record number, and {@code line_start} the record's 1-based byte position)
 * @param drops    statements that drop the temporary tables and views afterwards
 * @param scans    how many file scans {@code relation} runs, each of which counts every record it reads (0: the
 *                 records come from a table that {@code prepare} filled, or a scan may skip records)
 * @param count    a query of the number of records, for when the scans cannot tell
 * @param leftOut  a query, run after the read, of how many of the records its scans counted a filter of the read
 *                 leaves out as bad ({@link DeclaredCsv#flag}: counted, then flagged), less those the scans rejected
 *                 themselves (not counted); null: none is left out
 * @param json     JSON lines whose columns {@link #resolved} detects before {@code relation} is read; null otherwise
 * @param detected csv files whose column types DuckDB detects, which {@link #resolved} checks against every value;
 *                 null otherwise
 * @param declared the csv files' declared column types ({@link DeclaredCsv#none} when none is declared), which
 *                 {@link #resolved} checks the files fit first; the same as {@code detected}'s; null for other reads
 */
record Reader(
        List<String> prepare,
        String relation,
        List<String> after,
        String rejects,
        List<String> drops,
        int scans,
        String count,
        String leftOut,
        JsonColumns json,
        DetectedCsv detected,
        DeclaredCsv declared) {
    Reader(
            List<String> prepare,
            String relation,
            List<String> after,
            String rejects,
            List<String> drops,
            int scans,
            String count) {
        this(prepare, relation, after, rejects, drops, scans, count, null, null, null, null);
    }

    Reader {
        // one source of the declared types: the detection reads the files with the same ones
        if (detected != null && detected.declared() != declared)
            throw new IllegalArgumentException("a csv read's detection holds other declared types than its reader");
    }

    /**
     * This reader with its columns detected where it reads JSON lines (their numbers typed to hold every value: {@link
     * JsonColumns}), so that no later bind of {@code relation} detects them again; where it reads csv files whose types
     * DuckDB detects, with the columns holding a value their type would change read as text ({@link
     * DetectedCsv#exact}: every value looked at first); where the user declared csv types that may round or cut a
     * value, with the records holding such a value (or one the type refuses) among the rejects ({@link
     * DeclaredCsv#flag}: every value looked at first); else this reader.
     */
    Reader resolved(Statement s) throws SQLException {
        if (detected != null) return csvRead(detected.exact(s), false, s);
        if (declared != null && !declared.types().isEmpty()) return declaredRead(declared.check(s), false, s);
        if (json == null) return this;
        return jsonRead(s, false);
    }

    /**
     * The JSON lines read with their columns detected ({@link JsonColumns}), each declared key's value cast to its type
     * ({@link DeclaredJson}): {@code inRead}, the read fails at a value the type refuses or would change ({@link
     * DetectedCsv#raised}), to be done again without; else the records holding one are left out of the read and are
     * among the rejects, each named by its file and line.
     */
    private Reader jsonRead(Statement s, boolean inRead) throws SQLException {
        JsonColumns.Typed typed = json.typed(s);
        String records = typed == null ? JsonColumns.sampled(json.files()) : typed.records(json.files());
        String relation = typed == null ? records : json.declared().typed(records, typed.declared(), inRead);
        if (inRead || relation.equals(records))
            return new Reader(
                    prepare, relation, after, rejects, drops, scans, "SELECT count(*) FROM (" + relation + ")");
        List<String> flagging = new ArrayList<>(prepare); // after the rejects table is made
        for (Path file : json.files()) {
            // DuckDB's reader gives each line that is not blank a record (a bad line one of NULLs), in order
            flagging.add("INSERT INTO " + rejects + " SELECT " + Sql.literal(file.toString()) + " AS file_path, "
                    + "l.line_no AS line, 'CAST' AS error_type, b.reason AS error_message, l.line AS csv_line FROM ("
                    + json.declared().reasons(typed.records(List.of(file)), typed.declared()) + ") b JOIN (SELECT "
                    + "row_number() OVER () AS record, line_no, line FROM (" + numberedLines(List.of(file)) + ") WHERE "
                    + NOT_BLANK + ") l USING (record) WHERE b.reason <> ''");
        }
        // the scans count the records left out too: the good ones are counted by a query instead
        return new Reader(flagging, relation, after, rejects, drops, 0, "SELECT count(*) FROM (" + relation + ")");
    }

    /**
     * {@link #resolved}, but csv files' detected and declared column types are checked by the read itself, in one
     * pass: its query fails ({@link DetectedCsv#raised}) at a value its type would change or refuse, and the split is
     * then read again through {@link #resolved} of this reader (the files checked against their declared types once:
     * {@link DeclaredCsv#check}).
     */
    Reader checkedInRead(Statement s) throws SQLException {
        if (detected != null) return csvRead(detected.checkedInRead(s), true, s);
        if (json != null) return jsonRead(s, true);
        if (declared == null || declared.types().isEmpty()) return resolved(s);
        return declaredRead(declared.check(s), true, s);
    }

    /** The csv files read group by group as their declared types say, each group as its sniff found it. */
    private Reader declaredRead(List<DeclaredCsv.Sniffed> sniffs, boolean inRead, Statement s) throws SQLException {
        if (declared.changing().isEmpty()) return this; // read with the types: no value read as text to cast
        return csvRead(
                Optional.of(sniffs.stream().map(f -> declared.read(inRead, f)).toList()), inRead, s);
    }

    /**
     * The csv files read group by group as {@code reads} says, else as the declared types say ({@link
     * DeclaredCsv#read}); this reader when they are read as detected, with no declared type that may change a value.
     */
    private Reader csvRead(Optional<List<DetectedCsv.Read>> reads, boolean inRead, Statement s) throws SQLException {
        boolean changing = !declared.changing().isEmpty();
        if (reads.isEmpty() && !changing) return this;
        String prefix = declared.prefix();
        List<DetectedCsv.Read> groupReads = reads.isPresent()
                ? reads.get()
                : declaredSniffs(declared, s).stream()
                        .map(g -> declared.read(inRead, g))
                        .toList();
        String checked = declared.everyRecordChecked();
        if (inRead || !changing) return csv(prefix, declared.groups(), groupReads, 0, null, false, checked);
        String flagged = declared.flagged();
        long bad = declared.flag(
                s, groupReads.stream().map(DetectedCsv.Read::formats).toList());
        return csv(prefix, declared.groups(), groupReads, 0, flagged, bad > 0, checked);
    }

    /**
     * The sniffs of the declared types' groups ({@link DeclaredCsv#check}), so that a read whose detection failed still
     * casts declared dates in the format found (month first) and keeps the file's column names; none when the sniff
     * fails too: the read reports why.
     */
    private static List<DeclaredCsv.Sniffed> declaredSniffs(DeclaredCsv types, Statement s) throws DeclaredCsv.Refused {
        try {
            return types.check(s);
        } catch (DeclaredCsv.Refused e) {
            throw e;
        } catch (SQLException e) {
            return Collections.nCopies(types.groups().size(), DeclaredCsv.Sniffed.NONE);
        }
    }

    /**
     * Whether a text line holds more than the blanks DuckDB's JSON reader skips: spaces, tabs, CRs, and form feeds and
     * vertical tabs (C's isspace), so that a line of any of them holds no record.
     */
    private static final String NOT_BLANK = "trim(line, E' \\t\\r\\x0B\\x0C') <> ''";

    /** Why a JSON line that is not an object is a bad record where the keys' types are declared. */
    private static final String NOT_OBJECT = Sql.literal("not a JSON object (a number, a string, a list or null): each "
            + "line must be a JSON object, whose keys source.files.types declares types of. Write one object a line, "
            + "or fix the file");

    /** A separator that does not occur in text, so that a text line is one column. */
    static final String LINE_ONLY = "columns = {'line': 'VARCHAR'}, header = false, delim = E'\\x1F', "
            + "quote = '', escape = '', auto_detect = false";

    /**
     * @param stepsTypeText csv: every column as text, as with {@link LocalFiles#textColumns} (the first step types
     *     them itself)
     * @return empty when the input has nothing to read, not even columns: every file is a csv file that is empty or
     *     blank
     */
    static Optional<Reader> of(LocalFiles input, String prefix, boolean stepsTypeText) throws IOException {
        return of(input, prefix, stepsTypeText, 0);
    }

    /**
     * @param crMark text: the byte that stands for a CR inside a line in the files ({@link LineEnds#marked}), turned
     *     back into a CR in every line read; 0: none
     */
    static Optional<Reader> of(LocalFiles input, String prefix, boolean stepsTypeText, int crMark) throws IOException {
        boolean text = stepsTypeText || input.textColumns();
        List<Path> files = input.parts().stream().map(LocalFiles.Part::file).toList();
        if (!input.format().equals("csv") || !input.columns().isEmpty())
            return Optional.of(of(input, files, prefix, text, crMark));
        List<List<Path>> groups = csvGroups(files, input.header());
        if (groups.isEmpty()) return Optional.empty();
        // read as written (textColumns), a quoted empty field is the empty string: DuckDB would take it for NULL, as
        // an unquoted one; not where only a step types the text itself (focus): there "" is a missing number
        String options = "header = " + input.header() + (text ? ", all_varchar = true" : "")
                + (input.textColumns() ? ", allow_quoted_nulls = false" : "") + encoding(input);
        // a step typing the text itself (focus) reads every column as text, declared ones too
        DeclaredCsv declared = stepsTypeText || input.declared().isEmpty()
                ? DeclaredCsv.none(prefix, groups, options)
                : new DeclaredCsv(prefix, input.declared(), keys(input), groups, options);
        Reader read = csv(
                        prefix,
                        groups,
                        Collections.nCopies(groups.size(), new DetectedCsv.Read(options + declared.option(), "*")),
                        0,
                        null,
                        false,
                        declared.everyRecordChecked())
                .withDeclared(declared);
        return Optional.of(text ? read : read.withDetected(heads(input)));
    }

    /** A file's JSON records as the run reads them: a byte range with its file's head. */
    private static JsonColumns jsonOf(LocalFiles.Part part) {
        return new JsonColumns(List.of(part.file()), part.head() == null ? Map.of() : Map.of(part.file(), part.head()));
    }

    /** The name a user knows each file by. */
    private static Map<Path, String> keys(LocalFiles input) {
        Map<Path, String> keys = new java.util.HashMap<>();
        for (LocalFiles.Part p : input.parts()) keys.put(p.file(), p.key());
        return keys;
    }

    /** The head of each file that is a byte range of an input ({@link LocalFiles.Part#head}), by file. */
    private static Map<Path, Path> heads(LocalFiles input) {
        Map<Path, Path> heads = new java.util.HashMap<>();
        for (LocalFiles.Part p : input.parts()) if (p.head() != null) heads.put(p.file(), p.head());
        return heads;
    }

    /**
     * The input's records read again file by file, as {@link #of} reads them when the first step types the text itself,
     * each with the column {@code column}: {@link RecordOrigins#mark} of its file's index in {@code input.parts()} and its
     * record number there (1-based). Numbering records reads each file in order, on one thread: only after a step's own
     * check failed, to say where. Null for text lines, which a step typing its input itself does not read.
     */
    static String numbered(Statement s, LocalFiles input, String column) throws IOException, SQLException {
        if (!List.of("csv", "parquet", "jsonl").contains(input.format())) return null;
        List<String> reads = new ArrayList<>();
        List<LocalFiles.Part> parts = input.parts();
        for (int i = 0; i < parts.size(); i++) {
            List<Path> file = List.of(parts.get(i).file());
            String read = switch (input.format()) {
                case "csv" ->
                    csvGroups(file, input.header()).isEmpty()
                            ? null // no row, nor columns to bind
                            : "SELECT *, row_number() OVER () AS __record FROM read_csv(" + Sql.pathList(file) + ", "
                                    + (input.columns().isEmpty()
                                            ? "header = " + input.header() + ", all_varchar = true"
                                                    + (input.textColumns() ? ", allow_quoted_nulls = false" : "")
                                                    + encoding(input)
                                            : typed(input, true))
                                    + ")";
                case "parquet" ->
                    "SELECT *, file_row_number + 1 AS __record FROM read_parquet(" + Sql.pathList(file) + ")";
                // a bad line is a row of NULLs (ignore_errors): numbered, then left out, as the run leaves it out;
                // a record of NULLs ({}) is kept, as the run keeps it; a line of JSON whitespace holds no record
                default ->
                    "SELECT * FROM (SELECT *, row_number() OVER () AS __record FROM ("
                            + jsonOf(parts.get(i)).relation(s) + ")) WHERE __record NOT IN (SELECT record FROM "
                            + "(SELECT row_number() OVER () AS record, line FROM read_csv("
                            + Sql.literal(parts.get(i).file().toString()) + ", " + LINE_ONLY
                            + ") WHERE " + NOT_BLANK + ") WHERE NOT json_valid(line))";
            };
            if (read == null) continue;
            reads.add("SELECT * EXCLUDE (__record), " + RecordOrigins.mark(i, "__record") + " AS " + column + " FROM ("
                    + read + ")");
        }
        return reads.isEmpty() ? null : "SELECT * FROM (" + String.join(") UNION ALL BY NAME (", reads) + ")";
    }

    /**
     * {@link #count}, each record's {@code columns} read (the columns the sink's read scanned, {@link
     * QueryProfile#columnsScanned}) when it counts the records of {@link #relation}: DuckDB's csv reader checks the
     * UTF-8 of the columns a query reads only, so a count reading none would count a record the sink's read rejected.
     */
    String count(List<String> columns) {
        // a count of that form counts the records of a query of the relation's columns (a csv read's with rejects
        // tables of its own)
        if (columns.isEmpty() || !count.startsWith(COUNT_OF)) return count;
        // hash is never NULL: counting it counts every record, reading its columns
        List<String> read = columns.stream().map(Sql::identifier).toList();
        return "SELECT count(hash(" + String.join(", ", read) + ")) FROM (" + count.substring(COUNT_OF.length());
    }

    /** How {@link #count} begins where it counts the records of {@link #relation} (or the same read's). */
    private static final String COUNT_OF = "SELECT count(*) FROM (";

    /**
     * This reader, its csv files' detected column types (byte ranges typed by their {@code heads}) to be checked against
     * every value by {@link #resolved}, the declared ones left as declared.
     */
    private Reader withDetected(Map<Path, Path> heads) {
        DetectedCsv csv = new DetectedCsv(heads, declared);
        return new Reader(prepare, relation, after, rejects, drops, scans, count, leftOut, json, csv, declared);
    }

    /** This reader, the files first checked against the user's declared column types by {@link #resolved}. */
    private Reader withDeclared(DeclaredCsv csv) {
        List<String> dropped = new ArrayList<>(drops);
        // made by the read, dropped with it
        if (!csv.types().isEmpty()) dropped.add("DROP TABLE IF EXISTS " + csv.flagged());
        return new Reader(prepare, relation, after, rejects, dropped, scans, count, leftOut, json, detected, csv);
    }

    /** The read_csv option for the files' encoding; none for UTF-8, DuckDB's default. */
    private static String encoding(LocalFiles input) {
        return input.encoding().equals("utf-8") ? "" : ", encoding = " + Sql.literal(input.encoding());
    }

    /** The reader of every input but csv files whose columns DuckDB detects. */
    private static Reader of(LocalFiles input, List<Path> files, String prefix, boolean text, int crMark) {
        return switch (input.format()) {
            case "csv" -> csv(prefix, List.of(files), typed(input, text), 0);
            case "text" ->
                input.parse() == null
                        ? csv(prefix, List.of(files), LINE_ONLY + encoding(input), crMark)
                        : parsed(prefix, files, input.parse(), encoding(input), crMark);
            case "parquet" ->
                new Reader(
                        List.of(),
                        "SELECT * FROM read_parquet(" + Sql.pathList(files) + ", union_by_name = true)",
                        List.of(
                                "CREATE TEMP VIEW " + prefix
                                        + "_rejects AS SELECT NULL::VARCHAR AS file_path, 0::BIGINT AS line, "
                                        + "NULL::VARCHAR AS error_type, NULL::VARCHAR AS error_message, NULL::VARCHAR AS csv_line WHERE false"),
                        prefix + "_rejects",
                        List.of("DROP VIEW IF EXISTS " + prefix + "_rejects"),
                        // row groups may be skipped by a step's filter; the footers hold the exact count
                        0,
                        "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(" + Sql.pathList(files) + ")");
            case "jsonl" -> json(prefix, new JsonColumns(files, heads(input), new DeclaredJson(input.declared())));
            default -> throw new IllegalArgumentException("unknown format: " + input.format());
        };
    }

    /**
     * A spool written with known columns: read as written (RFC 4180 quoting, nothing sniffed), an unquoted empty field
     * NULL and a quoted one the empty string.
     */
    private static String typed(LocalFiles input, boolean text) {
        List<String> columns = new ArrayList<>();
        input.columns()
                .forEach((name, type) -> columns.add(Sql.literal(name) + ": " + Sql.literal(text ? "VARCHAR" : type)));
        return "columns = {" + String.join(", ", columns) + "}, header = " + input.header()
                + ", delim = ',', quote = '\"', escape = '\"', auto_detect = false, allow_quoted_nulls = false";
    }

    /**
     * An expression's text with {@code crMark} (when not 0) turned back into the CR it stands for ({@link
     * LineEnds#marked}).
     */
    private static String unmarked(String expression, int crMark) {
        return crMark == 0 ? expression : "replace(" + expression + ", chr(" + crMark + "), chr(13))";
    }

    /**
     * One {@code read_csv} per group of files sharing a header line, unioned by column name: files of one pack may
     * have different columns, and DuckDB cannot combine {@code union_by_name} with its reject tables.
     *
     * @param crMark lines read with {@link #LINE_ONLY}: see {@link #unmarked}; 0 for every other read
     */
    private static Reader csv(String prefix, List<List<Path>> groups, String options, int crMark) {
        return csv(
                prefix,
                groups,
                Collections.nCopies(
                        groups.size(),
                        new DetectedCsv.Read(options, crMark == 0 ? "*" : unmarked("line", crMark) + " AS line")),
                crMark,
                null,
                false,
                "");
    }

    /** One group's read of its files, its rejects stored in {@code rejects} and {@code scans}. */
    private static String groupRead(
            List<Path> files, DetectedCsv.Read read, String rejects, String scans, String checked) {
        String groupRead = "SELECT " + read.select() + " FROM read_csv(" + Sql.pathList(files) + ", "
                + read.options()
                + ", store_rejects = true, " + "rejects_table = " + Sql.literal(rejects) + ", rejects_scan = "
                + Sql.literal(scans) + ")" + (read.where().isEmpty() ? "" : " WHERE " + read.where());
        return checked.isEmpty() ? groupRead : "SELECT * FROM (" + groupRead + ") WHERE " + checked;
    }

    private static String unionByName(List<String> reads) {
        return reads.size() == 1
                ? reads.getFirst()
                : "SELECT * FROM (" + String.join(") UNION ALL BY NAME (", reads) + ")";
    }

    /**
     * {@link #csv(String, List, String, int)} with each group's own options, select and filter.
     *
     * @param flagged   a table of more rejects, of the records the filters leave out ({@link DeclaredCsv#flag}); null:
     *     none
     * @param leftOut   whether the filters leave some records out: the scans count them, and the good records are
     *     the scans' count less them ({@link #leftOut})
     * @param checked   a condition, never false, over each group's select, that makes it compute the declared columns
     *     of every record, read by a step or not ({@link DeclaredCsv#everyRecordChecked}); "": none
     */
    private static Reader csv(
            String prefix,
            List<List<Path>> groups,
            List<DetectedCsv.Read> groupReads,
            int crMark,
            String flagged,
            boolean leftOut,
            String checked) {
        List<String> reads = new ArrayList<>();
        List<String> rejectParts = new ArrayList<>();
        List<String> drops = new ArrayList<>();
        drops.add("DROP VIEW IF EXISTS " + prefix + "_rejects");
        for (int g = 0; g < groups.size(); g++) {
            String rej = prefix + "_rej" + g;
            String scan = prefix + "_scan" + g;
            DetectedCsv.Read read = groupReads.get(g);
            reads.add(groupRead(groups.get(g), read, rej, scan, checked));
            rejectParts.add("SELECT sc.file_path, e.line, e.line_byte_position AS line_start, e.error_type, "
                    + "e.error_message, " + unmarked("e.csv_line", crMark) + " AS csv_line FROM " + rej
                    + " e JOIN " + scan + " sc USING (scan_id, file_id)");
            drops.add("DROP TABLE IF EXISTS " + rej);
            drops.add("DROP TABLE IF EXISTS " + scan);
        }
        // the records the sink's read flagged and did not reject itself (a bad byte in a column it read)
        String flaggedOnly = !leftOut
                ? null
                : "SELECT count(*) FROM " + flagged + " f WHERE NOT EXISTS (SELECT 1 FROM ("
                        + String.join(" UNION ALL ", rejectParts)
                        + ") r WHERE r.file_path = f.file_path AND r.line = f.line)";
        if (flagged != null) rejectParts.add("SELECT * FROM " + flagged);
        String relation = unionByName(reads);
        return new Reader(
                List.of(),
                relation,
                List.of("CREATE TEMP VIEW " + prefix + "_rejects AS " + String.join(" UNION ALL ", rejectParts)),
                prefix + "_rejects",
                drops,
                reads.size(),
                // the count's scans store their rejects in the read's tables: where the sink's read scanned nothing
                // (a step's WHERE false), the count's are the only rejects, and the dead letters are made of them
                COUNT_OF + relation + ")",
                flaggedOnly,
                null,
                null,
                null);
    }

    /**
     * Text lines parsed into columns. Lines are numbered per file (for dead letters), parsed once into a table,
     * and split into the good rows (matched, every typed value casts) and the bad ones.
     */
    private static Reader parsed(String prefix, List<Path> files, LineParse parse, String encoding, int crMark) {
        return parse.regex() != null
                ? regex(prefix, files, parse, encoding, crMark)
                : delimited(prefix, files, parse, encoding, crMark);
    }

    /**
     * Delimited lines are CSV without quoting: DuckDB's own reader splits and types the fields (fast, in parallel),
     * and its reject tables catch lines with another number of fields or a value that does not convert. Its casts
     * round some values ({@link ExactCasts}): when a type would, the lines are split and cast as matched ones are; so
     * are lines with a marked CR ({@code crMark}), which must be a CR again before they are split.
     */
    private static Reader delimited(String prefix, List<Path> files, LineParse parse, String encoding, int crMark) {
        if (crMark != 0 || parse.types().values().stream().anyMatch(ExactCasts::mayChange)) {
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < parse.columns().size(); i++) {
                fields.add(Sql.literal(parse.columns().get(i)) + ": s[" + (i + 1) + "]");
            }
            int expected = parse.columns().size();
            // the messages of DuckDB's reader, which the dead letters shorten to "expected 3 fields, found 2"
            String found = "len(string_split(line, " + Sql.literal(parse.delimiter()) + "))";
            return lines(
                    prefix,
                    files,
                    parse,
                    "string_split(line, " + Sql.literal(parse.delimiter()) + ") AS s",
                    "{" + String.join(", ", fields) + "}",
                    "len(s) = " + expected + " AND line <> ''",
                    "CASE WHEN " + found + " < " + expected + " THEN 'MISSING COLUMNS' ELSE 'TOO MANY COLUMNS' END",
                    "'Expected Number of Columns: " + expected + " Found: ' || " + found,
                    encoding,
                    crMark);
        }
        List<String> columns = new ArrayList<>();
        for (String name : parse.columns()) {
            columns.add(Sql.literal(name) + ": " + Sql.literal(parse.types().getOrDefault(name, "VARCHAR")));
        }
        String options = "columns = {" + String.join(", ", columns) + "}, header = false, delim = "
                + Sql.literal(parse.delimiter()) + ", quote = '', escape = '', auto_detect = false" + encoding;
        return csv(prefix, List.of(files), options, 0);
    }

    /** Lines matched by a regular expression. */
    private static Reader regex(String prefix, List<Path> files, LineParse parse, String encoding, int crMark) {
        // the groups are taken from a match of the whole line: unanchored, the first match may be shorter (lazy
        // quantifiers, alternation) and give other columns than the match that made the line valid
        String whole = Sql.literal("^(?:" + parse.regex() + ")$");
        return lines(
                prefix,
                files,
                parse,
                "NULL AS s",
                "regexp_extract(line, " + whole + ", ["
                        + String.join(
                                ", ", parse.columns().stream().map(Sql::literal).toList()) + "])",
                "regexp_full_match(line, " + Sql.literal(parse.regex()) + ")",
                "'NO MATCH'",
                "'the line does not match source.files.parse.regex'",
                encoding,
                crMark);
    }

    /**
     * Text lines parsed into columns by SQL. One pass parses every line into a table; the good rows come from it, and
     * the bad ones (numbered per file only when there are some) form the rejects view.
     *
     * @param split      what each line is split into first, as {@code s} (for {@code fields})
     * @param fields     the struct of the line's fields as text, named as the columns
     * @param ok         whether the line has its fields
     * @param noMatch    the error type of a line that has not, and {@code message} its message
     * @param crMark     see {@link #unmarked}
     */
    private static Reader lines(
            String prefix,
            List<Path> files,
            LineParse parse,
            String split,
            String fields,
            String ok,
            String noMatch,
            String message,
            String encoding,
            int crMark) {
        String parsed = prefix + "_parsed";
        List<String> values = new ArrayList<>();
        List<String> casts = new ArrayList<>();
        List<String> failures = new ArrayList<>(); // what a bad line's reason says of each value that fails
        for (String name : parse.columns()) {
            String raw = "nullif(f." + Sql.identifier(name) + ", '')";
            String type = parse.types().get(name);
            if (type == null) {
                values.add(raw + " AS " + Sql.identifier(name));
            } else {
                values.add("TRY_CAST(" + raw + " AS " + type + ") AS " + Sql.identifier(name));
                // a value the cast would round or cut is no more a value of the type than one it refuses
                String changes = ExactCasts.changes(raw, type);
                String cast = "(" + raw + " IS NULL OR (TRY_CAST(" + raw + " AS " + type + ") IS NOT NULL"
                        + (changes == null ? "" : " AND NOT (" + changes + ")") + "))";
                casts.add(cast);
                failures.add("CASE WHEN NOT " + cast + " THEN " + Sql.literal(name + " ") + " || " + raw + " || "
                        + Sql.literal(" as " + type) + " END");
            }
        }
        String good = "ok AND " + (casts.isEmpty() ? "true" : String.join(" AND ", casts));
        String castFailure = failures.isEmpty() ? "''" : "': ' || concat_ws(', ', " + String.join(", ", failures) + ")";
        String rejects = prefix + "_rejects";
        return new Reader(
                List.of("CREATE TEMP TABLE " + parsed + " AS SELECT file_path, line, ok, CASE WHEN ok THEN " + fields
                        + " END AS f FROM (SELECT *, " + ok + " AS ok FROM (SELECT file_path, line, " + split
                        + " FROM (SELECT filename AS file_path, " + unmarked("line", crMark) + " AS line FROM read_csv("
                        + Sql.pathList(files) + ", " + LINE_ONLY + encoding + ", filename = true))))"),
                "SELECT " + String.join(", ", values) + " FROM " + parsed + " WHERE " + good,
                // rows keep the files' order (insertion order), so a line's number is its rank within its file
                List.of("CREATE TEMP VIEW " + rejects + " AS SELECT * FROM (SELECT file_path, "
                        + "row_number() OVER (PARTITION BY file_path ORDER BY rowid) AS line, "
                        + "CASE WHEN NOT ok THEN " + noMatch + " ELSE 'CAST' END AS error_type, "
                        + "CASE WHEN NOT ok THEN " + message + " "
                        + "ELSE 'a value does not convert exactly to its type in source.files.parse.types' || "
                        + castFailure + " END AS error_message, "
                        + "line AS csv_line, " + good + " AS good FROM " + parsed
                        + ") WHERE trim(csv_line) <> '' AND NOT good"),
                rejects,
                List.of("DROP VIEW IF EXISTS " + rejects, "DROP TABLE IF EXISTS " + parsed),
                0,
                "SELECT count(*) FROM " + parsed + " WHERE " + good);
    }

    /** Every line of every file with its path and 1-based line number. */
    private static String numberedLines(List<Path> files) {
        List<String> parts = new ArrayList<>();
        for (Path p : files) {
            String file = Sql.literal(p.toString());
            parts.add("SELECT " + file + " AS file_path, row_number() OVER () AS line_no, line FROM read_csv(" + file
                    + ", " + LINE_ONLY + ")");
        }
        return String.join(" UNION ALL ", parts);
    }

    /**
     * DuckDB's JSON reader drops bad lines without a trace; find them first so none is lost silently. It also takes
     * its columns and their types from a sample (the first 20,480 records of the first 32 files): a key first seen
     * after it was dropped, and a value of another type read as NULL. Every record of every file is sampled instead, once
     * ({@link #resolved}), which costs a second parse of the JSON (and a parse of a byte range's head).
     */
    private static Reader json(String prefix, JsonColumns json) {
        List<Path> files = json.files();
        String rejects = prefix + "_rejects";
        String relation = JsonColumns.sampled(files);
        // with declared types, a line that is a JSON value but no object is a bad record too: its reader, given the
        // columns, reads it as a record of NULLs, as a line that is not JSON (which the split's load leaves out)
        boolean typed = !json.declared().types().isEmpty();
        return new Reader(
                List.of("CREATE TEMP TABLE " + rejects
                        + " AS SELECT file_path, line_no AS line, 'INVALID JSON' AS error_type, "
                        + (typed ? "CASE WHEN json_valid(line) THEN " + NOT_OBJECT + " ELSE " : "")
                        + "'not a valid JSON value'" + (typed ? " END" : "") + " AS error_message, line AS csv_line "
                        + "FROM (" + numberedLines(files) + ") WHERE " + NOT_BLANK + " AND (NOT json_valid(line)"
                        + (typed ? " OR NOT starts_with(ltrim(line, E' \\t\\r\\x0B\\x0C'), '{')" : "") + ")"),
                relation,
                List.of(),
                rejects,
                List.of("DROP TABLE IF EXISTS " + rejects),
                1,
                "SELECT count(*) FROM (" + relation + ")",
                null,
                json,
                null,
                null);
    }

    /**
     * The csv files to read, in groups sharing a header line (in order of first appearance), each group one
     * {@code read_csv}. A file that holds no row (empty, blank, or a header line with nothing after it) is left out:
     * DuckDB names an empty file's one column {@code column0} and types a header-only file's columns VARCHAR, and the
     * union by name would carry either into the rows of the other files. When no file holds a row, the header-only
     * files still give the columns (of no rows), so the steps bind; with none either, there is nothing to read.
     */
    private static List<List<Path>> csvGroups(List<Path> files, boolean header) throws IOException {
        Map<String, List<Path>> withRows = new LinkedHashMap<>();
        Map<String, List<Path>> headerOnly = new LinkedHashMap<>();
        List<Path> rowFiles = new ArrayList<>();
        for (Path f : files) {
            Head head = Head.of(f, header);
            if (head.rows()) {
                withRows.computeIfAbsent(head.line(), h -> new ArrayList<>()).add(f);
                rowFiles.add(f);
            } else if (header && !head.line().isEmpty()) {
                headerOnly.computeIfAbsent(head.line(), h -> new ArrayList<>()).add(f);
            }
        }
        if (!header) return rowFiles.isEmpty() ? List.of() : List.of(rowFiles); // no header to tell files apart
        return List.copyOf((withRows.isEmpty() ? headerOnly : withRows).values());
    }

    /**
     * A csv file's first line (stripped) and whether a row may follow it, read only as far as it takes to tell: to the
     * first byte after the header line, or, when the first line is blank, to the first byte that is not whitespace.
     */
    private record Head(String line, boolean rows) {
        static Head of(Path file, boolean header) throws IOException {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".zst") || name.endsWith(".zstd"))
                return new Head("zstd:" + file, true); // no decoder here
            try (InputStream raw = Files.newInputStream(file);
                    InputStream in = new BufferedInputStream(
                            name.endsWith(".gz") ? new GZIPInputStream(raw, 4096) : raw, 4096)) {
                ByteArrayOutputStream first = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    first.write(b);
                    // no newline in the first MB: not a header we can compare
                    if (first.size() > 1 << 20) return new Head(text(first), true);
                }
                String line = text(first);
                if (line.isEmpty()) return new Head(line, !blank(in));
                // a header line is no row, and a file that ends after it has none (a blank line after it is kept: a
                // one-column file reads it as a row of NULL); without a header, the line is a row
                return new Head(line, !header || (b == '\n' && in.read() >= 0));
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                // its own group: the read reports the error with the file's name
                return new Head("unreadable:" + file, true);
            }
        }

        private static String text(ByteArrayOutputStream line) {
            return line.toString(StandardCharsets.ISO_8859_1).strip();
        }

        /** Whether the rest of the stream is whitespace only. */
        private static boolean blank(InputStream in) throws IOException {
            int b;
            while ((b = in.read()) >= 0) {
                if (!Character.isWhitespace(b)) return false;
            }
            return true;
        }
    }
}
