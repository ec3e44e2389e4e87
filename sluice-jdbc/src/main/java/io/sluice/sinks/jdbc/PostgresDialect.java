package io.sluice.sinks.jdbc;

import io.sluice.spi.Utf8;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.Rows;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/** PostgreSQL: staged with {@code COPY ... FROM STDIN} (pgjdbc's CopyManager), written with {@code ON CONFLICT} or {@code MERGE}. */
final class PostgresDialect implements Dialect {
    /** jsonb_build_object takes at most 100 arguments: wider rows are built from pieces joined with {@code ||}. */
    private static final int JSON_PAIRS = 50;
    /** The bytes of a name PostgreSQL keeps (NAMEDATALEN - 1); the rest is dropped, with a NOTICE. */
    private static final int MAX_NAME_BYTES = 63;

    @Override
    public String name() {
        return "PostgreSQL";
    }

    @Override
    public String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** A name's longest prefix of at most 63 bytes in UTF-8 (NAMEDATALEN - 1), cut between characters. */
    @Override
    public String columnKey(String name) {
        if (name.length() * 3 <= MAX_NAME_BYTES) return name; // no character takes more than 3 bytes per char
        return Utf8.head(name, MAX_NAME_BYTES);
    }

    @Override
    public String sameColumnBecause() {
        return "which keeps the first " + MAX_NAME_BYTES + " bytes of a longer name";
    }

    /** The documented type mapping (docs/sinks/jdbc.md): DuckDB's type names to PostgreSQL's. */
    @Override
    public Optional<String> columnType(String engineType, boolean key) {
        String t = engineType.toUpperCase(Locale.ROOT).trim();
        // first: a list of VARCHAR or DECIMAL is no VARCHAR or DECIMAL
        if (Rows.nested(t)) return key ? Optional.empty() : Optional.of("jsonb"); // arrives as JSON text
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
            case "BLOB" -> "bytea";
            default -> null;
        };
        return Optional.ofNullable(mapped);
    }

    @Override
    public String keyText(int length) {
        return "text";
    }

    @Override
    public String text() {
        return "text";
    }

    @Override
    public String timestamp() {
        return "timestamptz";
    }

    /**
     * A BRIN index: a split's rows are appended together, so a block range holds few splits, and the index costs an
     * append a fifth of its time where a B-tree (one entry a row, all equal within a split) cost a half. It serves the
     * deletes of a replay, and only summarised ranges are skipped: vacuum summarises them (autovacuum runs on tables
     * that grew by a fifth). Not {@code autosummarize}: a large load overflows its queue of requests, and PostgreSQL
     * logs each one dropped (thousands of lines for ten million rows).
     */
    @Override
    public String createIndex(String qualifiedTable, String indexName, String column) {
        return "CREATE INDEX ON " + qualifiedTable + " USING brin (" + quote(column) + ")";
    }

    @Override
    public String currentSchema() {
        return "SELECT current_schema()";
    }

    @Override
    public boolean exists(Connection c, TableName t) throws SQLException {
        return Catalog.exists(c, t);
    }

    /** Text compares byte for byte here (a deterministic collation): the column and the index decide. */
    @Override
    public boolean complete(
            Connection c,
            TableName t,
            Map<String, String> columns,
            Map<String, String> indexes,
            Collection<String> exactColumns)
            throws SQLException {
        return Catalog.hasColumnsAndIndexes(c, t.schema(), columns, indexes);
    }

    @Override
    public boolean hasIndex(Connection c, TableName t, String indexName) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT 1 FROM pg_indexes WHERE schemaname = ? AND tablename = ? AND indexname = ?")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            s.setString(3, indexName);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    @Override
    public Map<String, String> columns(Connection c, TableName t) throws SQLException {
        return Catalog.columns(c, t);
    }

    @Override
    public List<String> primaryKey(Connection c, TableName t) throws SQLException {
        return Catalog.primaryKey(c, t);
    }

    @Override
    public Set<Set<String>> uniqueIndexes(Connection c, TableName t) throws SQLException {
        return Catalog.uniqueIndexes(c, t);
    }

    @Override
    public boolean nullKeysEqual(Connection c, TableName t, List<String> keys) throws SQLException {
        if (c.getMetaData().getDatabaseMajorVersion() < 15) return false; // no NULLS NOT DISTINCT before
        return Catalog.nullsNotDistinct(c, t).contains(Set.copyOf(keys));
    }

    @Override
    public boolean numbersRows() {
        return true;
    }

    @Override
    public String createSequence(String qualifiedSequence) {
        return "CREATE SEQUENCE IF NOT EXISTS " + qualifiedSequence;
    }

    @Override
    public String nextNumber(String qualifiedSequence) {
        return "SELECT nextval('" + qualifiedSequence.replace("'", "''") + "')";
    }

    /** A transaction's advisory lock: released by the commit or rollback. */
    @Override
    public void lock(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('" + name.replace("'", "''") + "'))");
        }
    }

    /**
     * Staged as CSV written by the engine, copied in by {@code COPY ... FROM STDIN}. Each line ends with one more
     * column (an empty {@code _sluice_split}, unread: the commit gives the rows theirs), as a direct append's do: a
     * line {@code \.} alone ends COPY's data, and a one-column output's value {@code \.} would be such a line.
     */
    @Override
    public long stage(Connection c, String staging, List<String> columns, Rows rows, Path scratch) throws Exception {
        Path csv = Files.createTempFile(scratch, "staging-", ".csv");
        try {
            long written = rows.writeFiles(
                    csv, new FileSpec("csv", "none", List.of(), "rows").withColumn(JdbcSink.SPLIT_COLUMN, ""));
            List<String> all = new ArrayList<>(columns);
            all.add(JdbcSink.SPLIT_COLUMN);
            long copied = stageFile(c, staging, all, csv);
            if (copied != written) { // never a silent loss of the rows after some line COPY read otherwise
                throw new IllegalStateException("COPY staged " + copied + " of the " + written + " rows the engine "
                        + "wrote; the split fails rather than lose rows");
            }
            return copied;
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    @Override
    public long stageFile(Connection c, String staging, List<String> columns, Path csv)
            throws SQLException, IOException {
        try (Statement s = c.createStatement()) {
            // a temporary table is the session's own, and dropped with the transaction: a crash leaves nothing
            s.execute("CREATE TEMPORARY TABLE " + quote(staging)
                    + " (_sluice_row bigint GENERATED ALWAYS AS IDENTITY, "
                    + columns.stream().map(col -> quote(col) + " text").collect(Collectors.joining(", "))
                    + ") ON COMMIT DROP");
        }
        return copyIn(c, quote(staging), columns, csv);
    }

    /** COPY checks and converts every value as an INSERT's cast would (the same input functions, the column's length). */
    @Override
    public boolean appendsDirectly() {
        return true;
    }

    @Override
    public long appendFile(Connection c, String qualifiedTable, List<String> columns, Path csv)
            throws SQLException, IOException {
        return copyIn(c, qualifiedTable, columns, csv);
    }

    /** @param target the table, quoted (and qualified) as the statement takes it */
    private long copyIn(Connection c, String target, List<String> columns, Path csv) throws SQLException, IOException {
        String list = columns.stream().map(this::quote).collect(Collectors.joining(", "));
        try (InputStream in = Files.newInputStream(csv)) {
            return c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + target + " (" + list + ") FROM STDIN (FORMAT csv, HEADER true)", in, 1 << 16);
        }
    }

    @Override
    public String insertIfMissing(String table, List<String> columns) {
        return "INSERT INTO " + table + " (" + names(columns) + ") VALUES ("
                + columns.stream().map(col -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT DO NOTHING";
    }

    /** Cast to the column's type without length or precision: the table's own then applies (too long is refused). */
    @Override
    public String value(String staged, String columnType) {
        return "CAST(" + staged + " AS " + columnType + ")";
    }

    @Override
    public String fromHex(String staged, String columnType) {
        String bytes = "decode(" + staged + ", 'hex')";
        return columnType.equals("bytea") ? bytes : value("convert_from(" + bytes + ", 'UTF8')", columnType);
    }

    @Override
    public String textParameter() {
        return "CAST(? AS text)";
    }

    /**
     * A row with a NULL key is a row of its own, as the table takes it (ON CONFLICT and MERGE match no row by NULL),
     * where DISTINCT ON would keep only the split's last of them: its position joins the key.
     */
    @Override
    public String latestPerKey(List<String> values, String from, List<String> keyExpressions, boolean nullsEqual) {
        String anyNull = keyExpressions.stream().map(k -> k + " IS NULL").collect(Collectors.joining(" OR "));
        // DISTINCT ON takes NULLs as equal: a row with a NULL key stays apart only where the index does too
        String keys = String.join(", ", keyExpressions)
                + (nullsEqual ? "" : ", CASE WHEN " + anyNull + " THEN s._sluice_row END");
        return "SELECT DISTINCT ON (" + keys + ") " + String.join(", ", values) + from + " ORDER BY " + keys
                + ", s._sluice_row DESC";
    }

    @Override
    public String jsonObject(String alias, List<String> columns) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < columns.size(); i += JSON_PAIRS) {
            pieces.add("jsonb_build_object("
                    + columns.subList(i, Math.min(columns.size(), i + JSON_PAIRS)).stream()
                            .map(k -> "'" + k.replace("'", "''") + "', " + alias + "." + quote(k))
                            .collect(Collectors.joining(", "))
                    + ")");
        }
        return "(" + String.join(" || ", pieces) + ")::text";
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
