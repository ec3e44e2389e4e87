package io.sluice.focus.validate;

import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Loads FOCUS files into a table for validation, each row with its file and line. CSV is read as text, so that
 * what the file says is what is checked (a reader's guess cannot hide a malformed number or date); the null
 * tokens are the empty field and the texts "NULL" and "null" (the spec defines none for CSV).
 */
public final class Dataset {
    public static final List<String> NULL_TOKENS = List.of("", "NULL", "null");
    private static final java.util.Set<String> DATETIME_COLUMNS =
            java.util.Set.of("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd");

    private Dataset() {}

    /** Creates {@code table} from the files (csv, csv.gz, parquet, jsonl); columns are matched by name. */
    public static void load(Connection c, String table, List<Path> files) throws SQLException {
        StringJoiner union = new StringJoiner("\nUNION ALL BY NAME\n");
        for (Path f : files) {
            String name = Sql.literal(f.getFileName().toString());
            // lines count from the header: the first data row is line 2 of a CSV
            int offset = reader(f).startsWith("read_csv") ? 1 : 0;
            union.add("SELECT *, " + name + " AS " + FocusValidator.FILE + ", row_number() OVER () + " + offset + " AS "
                    + FocusValidator.LINE + " FROM " + reader(f));
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE TEMP TABLE " + table + " AS " + union);
        }
    }

    private static String reader(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT).replaceFirst("\\.(gz|zst)$", "");
        String path = Sql.literal(f.toString());
        String hive = hive(f);
        if (name.endsWith(".parquet")) return "read_parquet(" + path + hive + ")";
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json"))
            // every record sampled: a column first seen past DuckDB's sample would be missed by the checks
            return "read_json(" + path + ", sample_size = -1" + hive + ")";
        StringJoiner nulls = new StringJoiner(", ", "[", "]");
        NULL_TOKENS.forEach(t -> nulls.add(Sql.literal(t)));
        return "read_csv(" + path + ", all_varchar = true, nullstr = " + nulls + hive + ")";
    }

    /**
     * A column a sink partitioned by lives in the folder names ({@code BillingPeriodStart=2024-01-01 00:00:00+00}),
     * written the way the sink prints values, not as FOCUS text: FOCUS date-time columns there are read as instants.
     */
    private static String hive(Path f) {
        StringJoiner types = new StringJoiner(", ", "{", "}");
        boolean any = false;
        for (Path part : f.getParent() == null ? List.<Path>of() : List.copyOf(iterable(f.getParent()))) {
            String segment = part.toString();
            int eq = segment.indexOf('=');
            if (eq <= 0) continue;
            any = true;
            String column = segment.substring(0, eq);
            if (DATETIME_COLUMNS.contains(column)) types.add(Sql.literal(column) + ": 'TIMESTAMPTZ'");
        }
        if (!any) return "";
        return ", hive_partitioning = true" + (types.length() > 2 ? ", hive_types = " + types : "");
    }

    private static List<Path> iterable(Path p) {
        List<Path> parts = new java.util.ArrayList<>();
        p.forEach(parts::add);
        return parts;
    }

    /** Notes about how the files write nulls, when they use a text token for it. */
    public static List<String> notes(Connection c, List<Path> files) throws SQLException {
        long tokens = 0;
        for (Path f : files) {
            if (!reader(f).startsWith("read_csv")) continue;
            try (Statement s = c.createStatement();
                    var r = s.executeQuery(
                            "SELECT count(*) FROM read_csv(" + Sql.literal(f.toString())
                                    + ", all_varchar = true, header = false, columns = {'line': 'VARCHAR'}, delim = E'\\x1F', quote = '', escape = '')"
                                    + " WHERE line LIKE '%,NULL,%' OR line LIKE '%,null,%' OR line LIKE 'NULL,%' OR line LIKE '%,NULL'")) {
                r.next();
                tokens += r.getLong(1);
            }
        }
        return tokens == 0
                ? List.of()
                : List.of(tokens + " line(s) write null as the text NULL or null; FOCUS defines no "
                        + "null token for CSV, so they were read as null (an empty field is the usual choice)");
    }
}
