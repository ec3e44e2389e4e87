package io.sluice.engine;

import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Csv files whose column types DuckDB detects. It types each column from a sample (the first 20,480 rows of the first
 * 10 files of a read) and casts every later value to that type, where the cast may change it: past the sample, ZIP code
 * {@code 02134} in a column of integers was read as {@code 2134} and the amount {@code 19.99} as {@code 20}, silently,
 * while in the sample either would have made its column text. Every value is looked at once more, as text: a column
 * holding one its detected type would change is read as text, as DuckDB reads it when the sample holds the value.
 *
 * @param groups  the files, in groups of one header line, each read by one {@code read_csv}
 * @param options the {@code read_csv} options of every group
 */
record DetectedCsv(String prefix, List<List<Path>> groups, String options) {
    /** The types DuckDB's sniffer gives a number only when it is written without a leading zero, {@code +} or {@code _}. */
    private static final Set<String> NUMBERS = Set.of("BIGINT", "DOUBLE");

    /**
     * Each group's options, reading as text the columns some value of which their detected type would change; empty
     * when every value converts as written (or a read fails: the split's read itself reports why).
     */
    Optional<List<String>> exact(Statement s) throws SQLException {
        List<String> read = new ArrayList<>();
        boolean changed = false;
        for (List<Path> files : groups) {
            List<String> text;
            // a statement of its own: DuckDB closes a statement whose query fails, and the split's read, on s, must
            // report its own error (a damaged gzip, say), not "Statement was closed"
            try (Statement own = s.getConnection().createStatement()) {
                text = changing(own, files);
            } catch (SQLException e) {
                return Optional.empty();
            }
            changed |= !text.isEmpty();
            read.add(
                    text.isEmpty()
                            ? options
                            : options + ", types = {"
                                    + String.join(
                                            ", ",
                                            text.stream()
                                                    .map(c -> Sql.literal(c) + ": 'VARCHAR'")
                                                    .toList()) + "}");
        }
        return changed ? Optional.of(read) : Optional.empty();
    }

    /** The columns of {@code files} that hold a value their detected type would change. */
    private List<String> changing(Statement s, List<Path> files) throws SQLException {
        String paths = Sql.pathList(files);
        List<String> names = new ArrayList<>();
        List<String> checks = new ArrayList<>();
        try (ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM read_csv(" + paths + ", " + options + ")")) {
            while (r.next()) {
                String name = r.getString("column_name");
                String check = changes(Sql.identifier(name), r.getString("column_type"));
                if (check == null) continue;
                names.add(name);
                checks.add("coalesce(bool_or(" + check + "), false)");
            }
        }
        if (names.isEmpty()) return List.of();
        List<String> text = new ArrayList<>();
        try (ResultSet r = s.executeQuery("SELECT " + String.join(", ", checks) + " FROM read_csv(" + paths + ", "
                + options + ", all_varchar = true, ignore_errors = true)")) {
            r.next();
            for (int i = 0; i < names.size(); i++) {
                if (r.getBoolean(i + 1)) text.add(names.get(i));
            }
        }
        return text;
    }

    /**
     * A condition on a column's text, true when the cast to {@code type} would change the value: a number written with
     * a leading zero, a {@code +} or a {@code _} (which the sniffer would have left text), or a value the type rounds
     * or cuts ({@link ExactCasts}); null when no value of the type can change.
     */
    private static String changes(String column, String type) {
        String exact = ExactCasts.changes(column, type);
        String number = NUMBERS.contains(type)
                ? "(regexp_matches(" + column + ", '^\\s*([-+]?0[0-9]|\\+)') OR contains(" + column + ", '_'))"
                : null;
        if (exact == null) return number;
        return number == null ? exact : "(" + number + " OR " + exact + ")";
    }
}
