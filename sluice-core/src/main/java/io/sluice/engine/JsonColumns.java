package io.sluice.engine;

import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The columns of JSON lines, detected once from every record, and typed so that every number is held as written.
 *
 * <p>DuckDB reads an integer past 64 bits ({@code 123456789012345678901234567890}) as a DOUBLE: the output held
 * {@code 1.2345678901234568e+29}, silently. Its reader keeps such a number's digits when it is read into another type,
 * so a column DuckDB types DOUBLE is looked at once more, as text: when every value is an integer it is read as
 * HUGEINT (a BIGNUM past 38 digits), and when it mixes fractions with an integer no DOUBLE holds exactly, it is a
 * {@code JSON} column, as a column of values of different types is. A column of objects or arrays with DOUBLE numbers
 * in it is a {@code JSON} column when its text holds such an integer. Only columns of DOUBLE numbers cost that look.
 *
 * <p>The columns are then given to the reader, so that DuckDB does not detect them again from every record at each
 * bind of the query (the sink binds it more than once): that detection costs more than reading the records.
 *
 * <p>A byte range of a file, not at its top, takes its columns from its file's head ({@code heads}) and its own records
 * together, the head's first: it has the head's columns in their order, then the keys first seen in it, each typed as
 * a file holding the head's records and its own would be. Detected from its own records alone, a key absent from a
 * range was missing from its output, and a key of integers in one range and decimals in another was BIGINT in one
 * output and DOUBLE in the other. Only the range's records are read.
 *
 * @param files the files whose records are read
 * @param heads the head of the input a file is a byte range of ({@code LocalFiles.Part#head}), by file; a file not
 *     here takes its columns from its own records
 */
record JsonColumns(List<Path> files, Map<Path, Path> heads) {
    /** How every JSON read here takes its files: one value per line, a bad line left to the rejects. */
    static final String OPTIONS = "format = 'newline_delimited', ignore_errors = true";

    /** An integer token of 16 digits or more in JSON text: past 2^53, where a DOUBLE stops holding every integer. */
    private static final String LONG_INTEGER = "(^|[\\[,:])\\s*-?[0-9]{16,}\\s*([\\],}]|$)";

    /** A name DuckDB gives a key alike but for its case to one before it: the other's name, {@code _}, a number. */
    private static final Pattern RENAMED = Pattern.compile("(.+)_[0-9]+");

    JsonColumns {
        files = List.copyOf(files);
        heads = Map.copyOf(heads);
    }

    /** The read of every record of {@code files}, DuckDB detecting the columns and their types from all of them. */
    static String sampled(List<Path> files) {
        return "SELECT * FROM read_json(" + Sql.pathList(files) + ", " + OPTIONS
                + ", sample_size = -1, maximum_sample_files = -1)";
    }

    /** The query of the records of {@code files}, every number of which holds the value written. */
    String relation(Statement s) throws SQLException {
        // the records the columns are detected from: the heads' first, so that their columns come first
        List<Path> detected = new ArrayList<>();
        for (Path f : files) {
            Path head = heads.get(f);
            if (head != null && !detected.contains(head)) detected.add(head);
        }
        detected.addAll(files);
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        try (ResultSet r = s.executeQuery("DESCRIBE " + sampled(detected))) {
            while (r.next()) {
                names.add(r.getString("column_name"));
                types.add(r.getString("column_type"));
            }
        }
        // one column "json": the lines are not objects (or none has a key), read as DuckDB reads them
        if (names.isEmpty() || (names.size() == 1 && names.getFirst().equals("json")) || renamed(names)) {
            // with a head, such columns may be the head's: the files are read as they are alone
            return heads.isEmpty() ? sampled(files) : new JsonColumns(files, Map.of()).relation(s);
        }

        List<Integer> doubles = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i).contains("DOUBLE")) doubles.add(i);
        }
        List<String> read = new ArrayList<>(types); // the type each column is read as
        List<String> casts = new ArrayList<>(); // a column read as text, then cast
        if (!doubles.isEmpty()) {
            List<String> raw = new ArrayList<>(types);
            List<String> values = new ArrayList<>(); // each column's text, and what the facts ask of it more than once
            List<String> facts = new ArrayList<>();
            for (int i : doubles) {
                String c = Sql.identifier(names.get(i));
                String v = "v" + i;
                values.add(c + " AS " + v);
                if (types.get(i).equals("DOUBLE")) {
                    raw.set(i, "VARCHAR");
                    // a JSON number has at most one sign, and it is written without spaces
                    String integer = "i" + i;
                    String digits = "d" + i;
                    values.add("NOT (contains(" + c + ", '.') OR contains(" + c + ", 'e') OR contains(" + c
                            + ", 'E')) AS " + integer);
                    values.add("length(" + c + ") - starts_with(" + c + ", '-')::INTEGER AS " + digits);
                    facts.add("count(" + v + ") = count(" + v + ") FILTER (WHERE " + integer + ")");
                    facts.add("coalesce(bool_or(" + integer + " AND " + digits + " >= 16 AND (" + digits + " > 38 OR "
                            + "TRY_CAST(" + v + " AS HUGEINT) IS DISTINCT FROM TRY_CAST(TRY_CAST(" + v
                            + " AS DOUBLE) AS HUGEINT))), false)");
                    facts.add("coalesce(max(" + digits + ") FILTER (WHERE " + integer + "), 0)");
                } else {
                    raw.set(i, "JSON");
                    facts.add("coalesce(bool_or(regexp_matches(" + v + "::VARCHAR, " + Sql.literal(LONG_INTEGER)
                            + ")), false)");
                }
            }
            // each value's facts computed once, in a subquery: written inside the aggregates, DuckDB computed them
            // for each aggregate, which cost as much again as reading the column
            try (ResultSet r = s.executeQuery("SELECT " + String.join(", ", facts) + " FROM (SELECT "
                    + String.join(", ", values) + " FROM "
                    + read(
                            detected,
                            names,
                            raw,
                            doubles.stream().map(names::get).toList()) + ")")) {
                r.next();
                int f = 1;
                for (int i : doubles) {
                    if (types.get(i).equals("DOUBLE")) {
                        boolean integers = r.getBoolean(f++);
                        boolean inexact = r.getBoolean(f++);
                        long digits = r.getLong(f++);
                        if (integers && digits > 0) {
                            if (digits <= 38) {
                                read.set(i, "HUGEINT");
                            } else {
                                read.set(i, "VARCHAR");
                                String v = Sql.identifier(names.get(i));
                                casts.add(v + "::BIGNUM AS " + v);
                            }
                        } else if (inexact) {
                            read.set(i, "JSON");
                        }
                    } else if (r.getBoolean(f++)) {
                        read.set(i, "JSON");
                    }
                }
            }
        }
        String records = "SELECT * FROM " + read(files, names, read, names);
        return casts.isEmpty() ? records : "SELECT * REPLACE (" + String.join(", ", casts) + ") FROM (" + records + ")";
    }

    /**
     * Whether DuckDB renamed a key alike but for its case to another's ({@code a} and {@code A}: {@code a, A_1}): given
     * the column {@code A_1}, its reader finds no such key and reads the value as NULL, silently. A key written so
     * ({@code a} and {@code a_1}) is taken for one too: the files are then read as DuckDB detects them, every value
     * kept.
     */
    private static boolean renamed(List<String> names) {
        Set<String> folded = new HashSet<>();
        for (String n : names) {
            if (!folded.add(n.toLowerCase(Locale.ROOT))) return true;
        }
        return names.stream()
                .map(RENAMED::matcher)
                .anyMatch(m -> m.matches() && folded.contains(m.group(1).toLowerCase(Locale.ROOT)));
    }

    /** A read of {@code files} given the columns and their types, of which only {@code selected} are parsed. */
    private static String read(List<Path> files, List<String> names, List<String> types, List<String> selected) {
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (selected.contains(names.get(i)))
                columns.add(Sql.literal(names.get(i)) + ": " + Sql.literal(types.get(i)));
        }
        return "read_json(" + Sql.pathList(files) + ", " + OPTIONS + ", columns = {" + String.join(", ", columns)
                + "})";
    }
}
