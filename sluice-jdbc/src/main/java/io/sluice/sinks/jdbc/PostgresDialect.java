package io.sluice.sinks.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * PostgreSQL: loaded with {@code COPY ... FROM STDIN} (pgjdbc's CopyManager), into the table or a staging table, written
 * by key with {@code ON CONFLICT} or {@code MERGE}.
 */
final class PostgresDialect implements Dialect {

    @Override
    public String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** The documented type mapping (docs/sinks/jdbc.md): DuckDB's type names to PostgreSQL's. */
    @Override
    public Optional<String> columnType(String engineType) {
        String t = engineType.toUpperCase(Locale.ROOT).trim();
        if (t.startsWith("DECIMAL") || t.startsWith("NUMERIC")) {
            int open = t.indexOf('(');
            return Optional.of(open < 0 ? "numeric" : "numeric" + t.substring(open));
        }
        if (t.startsWith("VARCHAR")) return Optional.of("text");
        String mapped = switch (t) {
            case "BOOLEAN" -> "boolean";
            case "TINYINT", "SMALLINT", "UTINYINT" -> "smallint";
            case "INTEGER", "USMALLINT" -> "integer";
            case "BIGINT", "UINTEGER" -> "bigint";
            case "UBIGINT" -> "numeric(20,0)";
            case "HUGEINT", "UHUGEINT" -> "numeric(39,0)";
            case "FLOAT" -> "real";
            case "DOUBLE" -> "double precision";
            case "DATE" -> "date";
            case "TIME" -> "time";
            case "TIME WITH TIME ZONE" -> "timetz";
            case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> "timestamp";
            case "TIMESTAMP WITH TIME ZONE" -> "timestamptz";
            case "INTERVAL" -> "interval";
            case "UUID" -> "uuid";
            case "JSON" -> "jsonb";
            default -> null;
        };
        return Optional.ofNullable(mapped);
    }

    @Override
    public long stage(Connection c, String staging, List<String> columns, Path csv) throws SQLException, IOException {
        String list = columns.stream().map(this::quote).collect(Collectors.joining(", "));
        try (Statement s = c.createStatement()) {
            // a temporary table is the session's own, and dropped with the transaction: a crash leaves nothing
            s.execute("CREATE TEMPORARY TABLE " + quote(staging) + " (_sluice_row bigint GENERATED ALWAYS AS IDENTITY, "
                    + columns.stream().map(col -> quote(col) + " text").collect(Collectors.joining(", "))
                    + ") ON COMMIT DROP");
        }
        try (InputStream in = Files.newInputStream(csv)) {
            return c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(
                            "COPY " + quote(staging) + " (" + list + ") FROM STDIN (FORMAT csv, HEADER true)",
                            in,
                            1 << 16);
        }
    }

    @Override
    public long copy(Connection c, String table, List<String> columns, String extraColumn, String value, Path csv)
            throws SQLException, IOException {
        try (InputStream in = new AppendedColumn(Files.newInputStream(csv), value)) {
            return c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(
                            "COPY " + table + " (" + names(columns) + ", " + quote(extraColumn)
                                    + ") FROM STDIN (FORMAT csv, HEADER true)",
                            in,
                            1 << 16);
        }
    }

    @Override
    public String upsert(String table, List<String> columns, String select, List<String> keys) {
        String update = columns.stream()
                .filter(col -> !keys.contains(col))
                .map(col -> quote(col) + " = EXCLUDED." + quote(col))
                .collect(Collectors.joining(", "));
        return "INSERT INTO " + table + " (" + names(columns) + ") " + select + " ON CONFLICT (" + names(keys) + ") "
                + (update.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + update);
    }

    @Override
    public Optional<String> merge(String table, List<String> columns, String select, List<String> keys) {
        String on = keys.stream().map(k -> "t." + quote(k) + " = s." + quote(k)).collect(Collectors.joining(" AND "));
        String update = columns.stream()
                .filter(col -> !keys.contains(col))
                .map(col -> quote(col) + " = s." + quote(col))
                .collect(Collectors.joining(", "));
        return Optional.of("MERGE INTO " + table + " t USING (" + select + ") s ON " + on
                + (update.isEmpty() ? "" : " WHEN MATCHED THEN UPDATE SET " + update)
                + " WHEN NOT MATCHED THEN INSERT (" + names(columns) + ") VALUES ("
                + columns.stream().map(col -> "s." + quote(col)).collect(Collectors.joining(", ")) + ")");
    }

    /** Class 22 (data exception: a value too long, out of range, not of the type) and 23 (integrity constraint). */
    @Override
    public boolean refusesRow(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private String names(List<String> columns) {
        return columns.stream().map(this::quote).collect(Collectors.joining(", "));
    }
}
