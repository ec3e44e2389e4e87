package io.sluice.engine;

import io.sluice.config.Validator;
import io.sluice.spi.Sql;
import java.nio.file.Path;
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
 * CAST} reject). Before a read, {@link #check} refuses a file that lacks a declared column, and a value the cast would
 * change instead of refusing ({@link ExactCasts}: {@code 1.5} as a BIGINT is 2), which DuckDB's reader does silently.
 *
 * @param types   the declared types by column name (DuckDB matches the names regardless of case); empty: none
 * @param keys    the name a user knows each file by
 * @param groups  the files, in groups of one header line, each read by one {@code read_csv}
 * @param options the {@code read_csv} options of every group, without the declared types
 */
record DeclaredCsv(Map<String, String> types, Map<Path, String> keys, List<List<Path>> groups, String options) {
    DeclaredCsv {
        types = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(types));
        keys = Map.copyOf(keys);
        groups = List.copyOf(groups);
    }

    /** The column the rounding check reads each record's file name into: not {@code filename}, which a file may have. */
    private static final String FILE_COLUMN = "_sluice_declared_check_file";

    /** No column declared. */
    static DeclaredCsv none(List<List<Path>> groups, String options) {
        return new DeclaredCsv(Map.of(), Map.of(), groups, options);
    }

    /** A declared type the files do not fit: the split fails, the same way at every attempt. */
    static final class Refused extends SQLException {
        Refused(String message) {
            super(message);
        }
    }

    /** The {@code read_csv} option giving the declared types, and {@code text} columns as VARCHAR; none when empty. */
    String option(List<String> text) {
        List<String> entries = new ArrayList<>();
        types.forEach((name, type) -> entries.add(Sql.literal(name) + ": " + Sql.literal(type)));
        for (String t : text) if (!declares(t)) entries.add(Sql.literal(t) + ": 'VARCHAR'");
        return entries.isEmpty() ? "" : ", types = {" + String.join(", ", entries) + "}";
    }

    /** Whether {@code column} is declared (names compared as DuckDB compares them, regardless of case). */
    boolean declares(String column) {
        return types.keySet().stream().anyMatch(n -> n.equalsIgnoreCase(column));
    }

    /** Refuses the first group of files that lacks a declared column, or holds a value of one its type would change. */
    void check(Statement read) throws SQLException {
        if (types.isEmpty()) return;
        for (List<Path> files : groups) {
            List<String> columns = new ArrayList<>();
            try (Statement s = read.getConnection().createStatement();
                    ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM read_csv("
                            + Sql.literal(files.getFirst().toString()) + ", " + options + ")")) {
                while (r.next()) columns.add(r.getString("column_name"));
            }
            for (String name : types.keySet()) {
                if (columns.stream().noneMatch(c -> c.equalsIgnoreCase(name))) {
                    throw new Refused("source.files.types declares the column '" + name + "', which "
                            + keys.getOrDefault(
                                    files.getFirst(), files.getFirst().toString())
                            + " does not have" + Validator.suggestion(name, columns) + "; its columns: "
                            + String.join(", ", columns) + ". Fix the name in types, or remove it");
                }
            }
            changing(read, files);
        }
    }

    /** Refuses a value of a declared column that its type's cast would round or cut. */
    private void changing(Statement read, List<Path> files) throws SQLException {
        List<String> checks = new ArrayList<>();
        List<String> changing = new ArrayList<>();
        types.forEach((name, type) -> {
            String changes = ExactCasts.changes(Sql.identifier(name), type);
            if (changes == null) return;
            changing.add(name);
            checks.add("SELECT " + Sql.identifier(FILE_COLUMN) + ", " + Sql.literal(name) + " AS col, "
                    + Sql.identifier(name) + " AS val FROM t WHERE " + changes);
        });
        if (checks.isEmpty()) return;
        List<String> text =
                changing.stream().map(n -> Sql.literal(n) + ": 'VARCHAR'").toList();
        // every column read as text: a value another column's detected type refuses would make ignore_errors skip
        // its row here, while the read makes that column text and casts this row's value, rounding it unseen
        String asText = options.contains("all_varchar") ? "" : ", all_varchar = true";
        try (Statement s = read.getConnection().createStatement();
                ResultSet r = s.executeQuery("WITH t AS (SELECT * FROM read_csv(" + Sql.pathList(files) + ", "
                        + options + asText + ", types = {" + String.join(", ", text) + "}, filename = "
                        + Sql.literal(FILE_COLUMN) + ", ignore_errors = true)) SELECT * FROM ("
                        + String.join(" UNION ALL ", checks) + ") LIMIT 1")) {
            if (!r.next()) return;
            String file = r.getString(1);
            String key = keys.getOrDefault(Path.of(file), file);
            String type = types.get(r.getString(2));
            throw new Refused(key + ": the value '" + r.getString(3) + "' of column '" + r.getString(2)
                    + "' is not a " + type.toLowerCase(Locale.ROOT) + " as written: its cast would "
                    + "round or cut it (source.files.types). Declare a type that holds it ("
                    + (type.toLowerCase(Locale.ROOT).matches("(date|time).*")
                            ? "timestamp for a time of day, timestamp_ns for nanoseconds, varchar"
                            : "double, a decimal with more digits after the point, varchar")
                    + "), or fix the file");
        }
    }
}
