package io.sluice.sinks.jdbc;

import io.sluice.spi.sink.Rows;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MariaDB and MySQL: staged into a temporary table by {@code LOAD DATA LOCAL INFILE} streamed from the rows where the
 * driver and server allow it (MariaDB's driver, the server's {@code local_infile}), by batched multi-row INSERTs
 * otherwise (MySQL's driver); written with {@code INSERT ... ON DUPLICATE KEY UPDATE}; no MERGE. Every session runs in strict mode (a value too long or not of
 * the column's type is refused, never cut or zeroed) and in UTC. DDL commits the transaction here, so the tables are
 * created and changed before the split's record is locked, under a named lock ({@code GET_LOCK}).
 */
final class MariaDbDialect implements Dialect {
    private static final Logger LOG = LoggerFactory.getLogger(MariaDbDialect.class);

    /** Rows per INSERT statement. */
    static final int ROWS_PER_INSERT = 1000;
    /** At most this many parameters in one statement (the protocol's limit is 65535). */
    private static final int MAX_PARAMETERS = 60_000;
    /** Seconds a commit waits for another's table change. */
    private static final int LOCK_SECONDS = 600;

    /**
     * Whether LOAD DATA LOCAL INFILE works on this sink's connections: tried once with no rows, as the driver's
     * {@code allowLocalInfile} and the server's {@code local_infile} both decide; null until then.
     */
    private volatile Boolean localInfile;

    /** The collation of the bookkeeping's keys on this server ({@link #on}); null until a server was asked. */
    private final String exact;

    /** The dialect before a server was asked: {@link #on} gives the one that writes. */
    MariaDbDialect() {
        this(null);
    }

    private MariaDbDialect(String exact) {
        this.exact = exact;
    }

    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    /**
     * Error codes of a row's values refused (besides SQL states 22 and 23): incorrect value (1366), data truncated
     * (1265), incorrect datetime (1292), out of range (1264), too long (1406), NULL in a NOT NULL column (1048),
     * CHECK (4025 in MariaDB, 3819 in MySQL), incorrect value for a function (1411), invalid JSON (4038).
     */
    private static final Set<Integer> ROW_ERRORS = Set.of(1366, 1265, 1292, 1264, 1406, 1048, 4025, 3819, 1411, 4038);

    @Override
    public String name() {
        return "MariaDB";
    }

    @Override
    public String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    /** Column names are not case-sensitive in MariaDB and MySQL. */
    @Override
    public String columnKey(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    @Override
    public int maxNameLength() {
        return 64;
    }

    @Override
    public String sameColumnBecause() {
        return "which does not tell upper and lower case apart in column names";
    }

    /** The documented type mapping (docs/sinks/jdbc.md): DuckDB's type names to MariaDB's. */
    @Override
    public Optional<String> columnType(String engineType, boolean key) {
        String t = engineType.toUpperCase(Locale.ROOT).trim();
        // first: a list of VARCHAR or DECIMAL is no VARCHAR or DECIMAL
        if (Rows.nested(t)) return key ? Optional.empty() : Optional.of("json"); // arrives as JSON text
        if (t.startsWith("DECIMAL") || t.startsWith("NUMERIC")) {
            int open = t.indexOf('(');
            return Optional.of(open < 0 ? "decimal(18,3)" : "decimal" + t.substring(open));
        }
        if (t.startsWith("VARCHAR")) return Optional.of(key ? "varchar(255)" : "longtext");
        String mapped = switch (t) {
            case "BOOLEAN" -> "boolean";
            case "TINYINT" -> "tinyint";
            case "SMALLINT" -> "smallint";
            case "INTEGER" -> "int";
            case "BIGINT" -> "bigint";
            case "UTINYINT" -> "tinyint unsigned";
            case "USMALLINT" -> "smallint unsigned";
            case "UINTEGER" -> "int unsigned";
            case "UBIGINT" -> "bigint unsigned";
            case "HUGEINT", "UHUGEINT" -> "decimal(39,0)";
            case "FLOAT" -> "float";
            case "DOUBLE" -> "double";
            case "DATE" -> "date";
            case "TIME" -> "time(6)";
            case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> "datetime(6)";
            case "TIMESTAMP WITH TIME ZONE" -> "datetime(6)"; // the instant in UTC
            case "UUID" -> "char(36)";
            // a key of a created table needs a length, which neither has: no type, so the split fails at once
            case "JSON" -> key ? null : "json";
            case "BLOB" -> key ? null : "longblob";
            default -> null;
        };
        return Optional.ofNullable(mapped);
    }

    @Override
    public String keyText(int length) {
        return "varchar(" + length + ")";
    }

    @Override
    public String text() {
        return "longtext";
    }

    /**
     * Binary collations of utf8mb4 that compare byte for byte as to case and accents (the character set's default
     * collation, utf8mb4_general_ci or MySQL's utf8mb4_0900_ai_ci, ignores both) and as to trailing spaces too (NO
     * PAD): MariaDB's since 10.2, MySQL's since 8.0.17; in this order of preference.
     */
    static final List<String> NO_PAD = List.of("utf8mb4_nopad_bin", "utf8mb4_0900_bin");

    /** Byte for byte as to case and accents on every MariaDB and MySQL; PAD SPACE: {@code a} and {@code a } are one. */
    static final String PAD_SPACE = "utf8mb4_bin";

    /**
     * This dialect for the connection's server: its keys in the first {@link #NO_PAD} collation the server has, else
     * in {@link #PAD_SPACE} (said once, with what it means). Asked of the server, not of the driver: MySQL's driver
     * may talk to MariaDB.
     */
    @Override
    public MariaDbDialect on(Connection c) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT collation_name FROM information_schema.collations"
                + " WHERE collation_name IN (" + "?, ".repeat(NO_PAD.size() - 1) + "?)")) {
            for (int i = 0; i < NO_PAD.size(); i++) s.setString(i + 1, NO_PAD.get(i));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) found.add(r.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        Optional<String> noPad = NO_PAD.stream().filter(found::contains).findFirst();
        if (noPad.isEmpty()) {
            LOG.warn(
                    "the server ({} {}) has none of the collations {} (MariaDB 10.2+, MySQL 8.0.17+): the jdbc sink's "
                            + "bookkeeping keys compare as {}, which ignores trailing spaces, so two inputs or splits "
                            + "whose names differ only in trailing spaces ('a.csv' and 'a.csv ') are taken for one, "
                            + "and one's commit replaces the other's rows; upgrade the server, or keep such names apart",
                    c.getMetaData().getDatabaseProductName(),
                    c.getMetaData().getDatabaseProductVersion(),
                    NO_PAD,
                    PAD_SPACE);
        }
        return new MariaDbDialect(noPad.orElse(PAD_SPACE));
    }

    /** The collation of the bookkeeping's keys: known once a server was asked ({@link #on}). */
    private String exact() {
        if (exact == null) throw new IllegalStateException("the exact collation is the server's: use on(connection)");
        return exact;
    }

    @Override
    public String exact(String textType) {
        return textType + " CHARACTER SET utf8mb4 COLLATE " + exact();
    }

    /** Converted first: a column of another character set (latin1) takes no utf8mb4 collation. */
    @Override
    public String exactly(String column) {
        return "CONVERT(" + column + " USING utf8mb4) COLLATE " + exact();
    }

    @Override
    public boolean complete(
            Connection c,
            TableName t,
            Map<String, String> columns,
            Map<String, String> indexes,
            Collection<String> exactColumns)
            throws SQLException {
        // each with the table's name: information_schema then opens that table alone, not the whole schema's
        String where = " WHERE table_schema = ? AND table_name = ? AND ";
        try (PreparedStatement s = c.prepareStatement("SELECT TRUE"
                + (" AND EXISTS (SELECT 1 FROM information_schema.columns" + where + "column_name = ?)")
                        .repeat(columns.size())
                + (" AND EXISTS (SELECT 1 FROM information_schema.statistics" + where + "index_name = ?)")
                        .repeat(indexes.size())
                + " AND NOT EXISTS (SELECT 1 FROM information_schema.columns" + where
                + "column_name IN (" + "?, ".repeat(exactColumns.size() - 1) + "?) AND collation_name <> ?)")) {
            int i = 0;
            for (Map<String, String> named : List.of(columns, indexes)) {
                for (Map.Entry<String, String> e : named.entrySet()) {
                    s.setString(++i, t.schema());
                    s.setString(++i, e.getKey());
                    s.setString(++i, e.getValue());
                }
            }
            s.setString(++i, t.schema());
            s.setString(++i, t.name());
            for (String name : exactColumns) s.setString(++i, name);
            s.setString(++i, exact());
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        }
    }

    @Override
    public Set<String> inexact(Connection c, TableName t, Collection<String> columns) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND collation_name <> ?")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            s.setString(3, exact());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) if (columns.contains(r.getString(1))) out.add(r.getString(1));
            }
        }
        return out;
    }

    /** One statement: InnoDB copies the table once for all the columns. */
    @Override
    public String redefine(String qualifiedTable, Map<String, String> definitions) {
        return "ALTER TABLE " + qualifiedTable + " "
                + definitions.entrySet().stream()
                        .map(e -> "MODIFY " + quote(e.getKey()) + " " + e.getValue())
                        .collect(Collectors.joining(", "));
    }

    @Override
    public String timestamp() {
        return "datetime(6)";
    }

    @Override
    public String timestampNow() {
        return "datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)";
    }

    /** Text of any language, whatever the server's default character set. */
    @Override
    public String tableOptions() {
        return " DEFAULT CHARSET=utf8mb4";
    }

    @Override
    public String createIndex(String qualifiedTable, String indexName, String column) {
        return "CREATE INDEX " + quote(indexName) + " ON " + qualifiedTable + " (" + quote(column) + ")";
    }

    /** Strict mode (refuse, never cut a value) and UTC (timestamps with a time zone are stored as UTC). */
    @Override
    public String connectionInit() {
        return "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES'),"
                + " time_zone = '+00:00'";
    }

    @Override
    public String currentSchema() {
        return "SELECT DATABASE()";
    }

    @Override
    public boolean exists(Connection c, TableName t) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM information_schema.tables"
                + " WHERE table_schema = ? AND table_name = ? AND table_type = 'BASE TABLE'")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    @Override
    public String indexedText(String column, int length) {
        return column + "(" + length + ")";
    }

    @Override
    public boolean hasIndex(Connection c, TableName t, String indexName) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM information_schema.statistics"
                + " WHERE table_schema = ? AND table_name = ? AND index_name = ? LIMIT 1")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            s.setString(3, indexName);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /** Each column with its full type ({@code varchar(5)}): staged text is inserted as it is, strict mode checks it. */
    @Override
    public Map<String, String> columns(Connection c, TableName t) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT column_name, column_type FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.put(r.getString(1), r.getString(2));
            }
        }
        return out;
    }

    @Override
    public List<String> primaryKey(Connection c, TableName t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT column_name FROM information_schema.statistics"
                + " WHERE table_schema = ? AND table_name = ? AND index_name = 'PRIMARY' ORDER BY seq_in_index")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(r.getString(1));
            }
        }
        return out;
    }

    @Override
    public Set<Set<String>> uniqueIndexes(Connection c, TableName t) throws SQLException {
        Map<String, Set<String>> byIndex = new LinkedHashMap<>();
        try (PreparedStatement s =
                c.prepareStatement("SELECT index_name, column_name FROM information_schema.statistics"
                        + " WHERE table_schema = ? AND table_name = ? AND non_unique = 0")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                while (r.next())
                    byIndex.computeIfAbsent(r.getString(1), k -> new TreeSet<>())
                            .add(r.getString(2));
            }
        }
        return Set.copyOf(byIndex.values());
    }

    /** A named lock of the session (names are limited to 64 characters: the name's hash). */
    @Override
    public void lock(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT GET_LOCK(?, " + LOCK_SECONDS + ")")) {
            s.setString(1, lockName(name));
            try (ResultSet r = s.executeQuery()) {
                if (!r.next() || r.getInt(1) != 1) {
                    throw new SQLException(
                            "waited " + LOCK_SECONDS + " s for the lock '" + name + "' that another "
                                    + "commit holds while it changes the table",
                            "55P03");
                }
            }
        }
    }

    @Override
    public void unlock(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
            s.setString(1, lockName(name));
            s.executeQuery().close();
        }
    }

    /** The server's name of the lock {@code name} (at most 64 characters). */
    static String lockName(String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8));
            return "sluice:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A temporary table (the session's: nobody else sees it) filled with the values as text in MariaDB's notation; it
     * outlives the transaction, so it is dropped first and after ({@link #unstage}).
     */
    @Override
    public long stage(Connection c, String staging, List<String> columns, Rows rows, Path scratch) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TEMPORARY TABLE IF EXISTS " + quote(staging));
            s.execute("CREATE TEMPORARY TABLE " + quote(staging) + " (_sluice_row bigint PRIMARY KEY, "
                    + columns.stream().map(col -> quote(col) + " longtext").collect(Collectors.joining(", "))
                    + ")" + tableOptions());
        }
        if (localInfile == null) localInfile = loadData(c, staging, columns, null) == 0;
        return localInfile ? loadData(c, staging, columns, rows) : inserts(c, staging, columns, rows);
    }

    /**
     * LOAD DATA LOCAL INFILE from tab-separated text made from the rows as the driver reads it (measured 40% faster
     * than multi-row INSERTs, see docs/sinks/jdbc.md). With no rows: whether it works here (-1: it does not).
     */
    private long loadData(Connection c, String staging, List<String> columns, Rows rows) throws Exception {
        String sql = "LOAD DATA LOCAL INFILE 'rows.tsv' INTO TABLE " + quote(staging) + " CHARACTER SET utf8mb4"
                + " (_sluice_row, " + columns.stream().map(this::quote).collect(Collectors.joining(", ")) + ")";
        try (Statement s = c.createStatement()) {
            if (rows == null) {
                if (!s.isWrapperFor(org.mariadb.jdbc.Statement.class)) return -1;
                try {
                    s.unwrap(org.mariadb.jdbc.Statement.class)
                            .setLocalInfileInputStream(new java.io.ByteArrayInputStream(new byte[0]));
                    s.execute(sql);
                    return 0;
                } catch (SQLException refused) { // allowLocalInfile=false, or the server's local_infile is OFF
                    if (connectionLost(refused)) throw refused;
                    return -1;
                }
            }
            try (Rows.RowCursor cursor = rows.cursor();
                    TabSeparated in = new TabSeparated(cursor, columns.size())) {
                s.unwrap(org.mariadb.jdbc.Statement.class).setLocalInfileInputStream(in);
                s.execute(sql);
                in.rethrow();
                return in.rows();
            }
        }
    }

    /** Multi-row INSERTs of {@link #ROWS_PER_INSERT} rows each. */
    private long inserts(Connection c, String staging, List<String> columns, Rows rows) throws Exception {
        int width = columns.size() + 1;
        int perStatement = Math.max(1, Math.min(ROWS_PER_INSERT, MAX_PARAMETERS / width));
        String head = "INSERT INTO " + quote(staging) + " (_sluice_row, "
                + columns.stream().map(this::quote).collect(Collectors.joining(", ")) + ") VALUES ";
        String tuple = "(" + "?, ".repeat(width - 1) + "?)";
        Object[] batch = new Object[perStatement * width];
        long n = 0;
        int inBatch = 0;
        try (PreparedStatement full = c.prepareStatement(head + (tuple + ", ").repeat(perStatement - 1) + tuple);
                Rows.RowCursor cursor = rows.cursor()) {
            while (cursor.next()) {
                n++;
                int at = inBatch * width;
                batch[at] = n;
                for (int i = 0; i < columns.size(); i++) batch[at + 1 + i] = text(cursor.get(i));
                if (++inBatch == perStatement) {
                    insert(full, batch, inBatch * width);
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                try (PreparedStatement rest = c.prepareStatement(head + (tuple + ", ").repeat(inBatch - 1) + tuple)) {
                    insert(rest, batch, inBatch * width);
                }
            }
        }
        return n;
    }

    private static void insert(PreparedStatement s, Object[] values, int count) throws SQLException {
        for (int i = 0; i < count; i++) {
            if (values[i] instanceof Long row) s.setLong(i + 1, row);
            else s.setString(i + 1, (String) values[i]);
        }
        s.executeUpdate();
    }

    /**
     * A value as MariaDB reads it from text: booleans as 1 and 0, an instant as its UTC date and time (the column is a
     * DATETIME; the session is in UTC), numbers without exponent where exact.
     */
    static String text(Object v) {
        return switch (v) {
            case null -> null;
            case Boolean b -> b ? "1" : "0";
            case OffsetDateTime t -> DATETIME.format(t.withOffsetSameInstant(ZoneOffset.UTC));
            case ZonedDateTime t -> DATETIME.format(t.withZoneSameInstant(ZoneOffset.UTC));
            case LocalDateTime t -> DATETIME.format(t);
            case java.sql.Timestamp t -> DATETIME.format(t.toLocalDateTime());
            case BigDecimal d -> d.toPlainString();
            default -> v.toString();
        };
    }

    /**
     * The rows as LOAD DATA's default text format: fields separated by tabs, lines by newlines, backslash escapes,
     * NULL as {@code \N}; each row starts with its position in the split. Made one row at a time as the driver reads.
     */
    private static final class TabSeparated extends java.io.InputStream {
        private final Rows.RowCursor cursor;
        private final int columns;
        private final StringBuilder line = new StringBuilder();
        private byte[] buffer = new byte[0];
        private int at;
        private long rows;
        private Exception failed;

        TabSeparated(Rows.RowCursor cursor, int columns) {
            this.cursor = cursor;
            this.columns = columns;
        }

        long rows() {
            return rows;
        }

        /** A failure of the cursor, which the driver sees only as the end of the file. */
        void rethrow() throws Exception {
            if (failed != null) throw failed;
        }

        private boolean fill() {
            try {
                if (failed != null || !cursor.next()) return false;
                line.setLength(0);
                line.append(++rows);
                for (int i = 0; i < columns; i++) {
                    String v = text(cursor.get(i));
                    line.append('\t');
                    if (v == null) {
                        line.append("\\N");
                        continue;
                    }
                    for (int k = 0; k < v.length(); k++) {
                        char ch = v.charAt(k);
                        switch (ch) {
                            case '\\' -> line.append("\\\\");
                            case '\t' -> line.append("\\t");
                            case '\n' -> line.append("\\n");
                            case '\r' -> line.append("\\r");
                            case '\0' -> line.append("\\0");
                            default -> line.append(ch);
                        }
                    }
                }
                line.append('\n');
                buffer = line.toString().getBytes(StandardCharsets.UTF_8);
                at = 0;
                return true;
            } catch (Exception e) {
                failed = e;
                return false;
            }
        }

        @Override
        public int read() {
            if (at == buffer.length && !fill()) return -1;
            return buffer[at++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) return 0;
            int n = 0;
            while (n < len) {
                if (at == buffer.length && !fill()) break;
                int chunk = Math.min(len - n, buffer.length - at);
                System.arraycopy(buffer, at, b, off + n, chunk);
                at += chunk;
                n += chunk;
            }
            return n == 0 ? -1 : n;
        }
    }

    @Override
    public void unstage(Connection c, String staging) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TEMPORARY TABLE IF EXISTS " + quote(staging));
        }
    }

    @Override
    public String insertIfMissing(String table, List<String> columns) {
        return "INSERT IGNORE INTO " + table + " (" + names(columns) + ") VALUES ("
                + columns.stream().map(col -> "?").collect(Collectors.joining(", ")) + ")";
    }

    /** The staged text as it is: strict mode refuses what the column cannot hold (a CAST would give NULL instead). */
    @Override
    public String value(String staged, String columnType) {
        return staged;
    }

    /** Bytes, which MariaDB checks as UTF-8 when the column holds text (strict mode: refused when they are not). */
    @Override
    public String fromHex(String staged, String columnType) {
        return "UNHEX(" + staged + ")";
    }

    @Override
    public String textParameter() {
        return "?";
    }

    /** Every row in the split's order: ON DUPLICATE KEY UPDATE writes a later row of the same key over an earlier. */
    @Override
    public String latestPerKey(List<String> values, String from, List<String> keyExpressions, boolean nullsEqual) {
        return "SELECT " + String.join(", ", values) + from + " ORDER BY s._sluice_row";
    }

    @Override
    public String upsert(String table, List<String> columns, String select, List<String> keys) {
        List<String> others =
                columns.stream().filter(col -> !keys.contains(col)).toList();
        // a key column set to itself: the statement needs one assignment even when every column is a key
        String update = (others.isEmpty() ? keys.subList(0, 1) : others)
                .stream()
                        .map(col -> quote(col) + " = VALUES(" + quote(col) + ")")
                        .collect(Collectors.joining(", "));
        return "INSERT INTO " + table + " (" + names(columns) + ") " + select + " ON DUPLICATE KEY UPDATE " + update;
    }

    @Override
    public Optional<String> merge(String table, List<String> columns, String select, List<String> keys) {
        return Optional.empty();
    }

    @Override
    public String jsonObject(String alias, List<String> columns) {
        return "JSON_OBJECT("
                + columns.stream()
                        .map(k -> "'" + k.replace("\\", "\\\\").replace("'", "''") + "', " + alias + "." + quote(k))
                        .collect(Collectors.joining(", "))
                + ")";
    }

    @Override
    public boolean refusesRow(SQLException e) {
        String state = e.getSQLState();
        if (ROW_ERRORS.contains(e.getErrorCode())) return true;
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private String names(List<String> columns) {
        return columns.stream().map(this::quote).collect(Collectors.joining(", "));
    }
}
