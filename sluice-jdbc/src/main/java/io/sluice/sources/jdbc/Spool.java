package io.sluice.sources.jdbc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * Writes a query's rows into a CSV file with a header line, the way {@link io.sluice.spi.source.LocalFiles#columns}
 * reads it: NULL an unquoted empty field, text always quoted.
 */
final class Spool {
    private Spool() {}

    /** @param maxRows at most this many rows (a sample); 0: all */
    static void write(
            Dialect dialect,
            Connection c,
            String sql,
            Map<String, String> columns,
            Path file,
            int fetchSize,
            int maxRows)
            throws SQLException, IOException {
        if (dialect == Dialect.POSTGRES) {
            // the server's own CSV writer: no row passes through JDBC's per-value conversions
            String select = maxRows > 0 ? "SELECT * FROM (" + sql + ") s LIMIT " + maxRows : sql;
            // the driver writes each row (one CopyData message) on its own: unbuffered, that is a system call a row
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyOut("COPY (" + select + ") TO STDOUT (FORMAT csv, HEADER)", out);
            }
            return;
        }
        streamed(dialect, c, sql, columns, file, fetchSize, maxRows);
    }

    /** How a column's values are written: the engine type decides, once per column rather than once per value. */
    private enum Kind {
        BOOLEAN,
        /** A whole number the driver parses from the row's bytes, written as its digits (MariaDB's driver). */
        INTEGER,
        TEXT,
        ZONED,
        PLAIN;

        static Kind of(String engineType, boolean mariaDb) {
            return switch (engineType) {
                case "BOOLEAN" -> BOOLEAN;
                case "SMALLINT", "INTEGER", "BIGINT" -> mariaDb ? INTEGER : PLAIN;
                case "VARCHAR" -> TEXT;
                case "TIMESTAMP WITH TIME ZONE" -> ZONED;
                default -> PLAIN;
            };
        }
    }

    /** A streamed result set (MariaDB and MySQL stream with a fetch size; others as their driver does). */
    private static void streamed(
            Dialect dialect,
            Connection c,
            String sql,
            Map<String, String> columns,
            Path file,
            int fetchSize,
            int maxRows)
            throws SQLException, IOException {
        // MariaDB's driver reads every connection in UTF-8 (utf8mb4) and hands a string column's bytes as they came:
        // a String a value, decoded by the driver and encoded again, was most of the spool's CPU
        // asked of a MySQL URL's connection only: an older driver of another database may not answer isWrapperFor
        boolean mariaDb = dialect == Dialect.MYSQL && c.isWrapperFor(org.mariadb.jdbc.Connection.class);
        Kind[] kinds = columns.values().stream().map(t -> Kind.of(t, mariaDb)).toArray(Kind[]::new);
        boolean[] driverBytes = new boolean[kinds.length + 1];
        for (int col = 1; col <= kinds.length; col++)
            driverBytes[col] = mariaDb && (kinds[col - 1] == Kind.TEXT || kinds[col - 1] == Kind.ZONED);
        try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            st.setFetchSize(fetchSize);
            if (maxRows > 0) st.setMaxRows(maxRows);
            try (ResultSet rs = st.executeQuery(sql);
                    CsvBytes out = new CsvBytes(Files.newOutputStream(file))) {
                int i = 0;
                for (String name : columns.keySet()) {
                    if (i++ > 0) out.put(',');
                    out.quoted(name.getBytes(StandardCharsets.UTF_8));
                }
                out.put('\n');
                while (rs.next()) {
                    for (int col = 1; col <= kinds.length; col++) {
                        if (col > 1) out.put(',');
                        switch (kinds[col - 1]) {
                            case BOOLEAN -> {
                                boolean b = rs.getBoolean(col);
                                if (!rs.wasNull()) out.text(b ? "true" : "false");
                            }
                            case INTEGER -> {
                                long v = rs.getLong(col);
                                if (!rs.wasNull()) out.number(v);
                            }
                            case TEXT -> {
                                byte[] v = utf8(rs, col, driverBytes);
                                if (v != null) out.quoted(v);
                            }
                            case ZONED -> {
                                byte[] v = utf8(rs, col, driverBytes);
                                if (v == null) continue;
                                out.put(v);
                                // the session's zone is UTC (Dialect.prepare): a value without an offset is in UTC
                                if (!hasOffset(v)) out.text("+00");
                            }
                            case PLAIN -> {
                                String v = rs.getString(col);
                                if (v != null) out.text(v);
                            }
                        }
                    }
                    out.put('\n');
                }
            }
        }
    }

    /** A text value's UTF-8: the driver's own bytes where {@code driverBytes} says it hands them, else its String's. */
    private static byte[] utf8(ResultSet rs, int col, boolean[] driverBytes) throws SQLException {
        if (driverBytes[col]) {
            try {
                return rs.getBytes(col);
            } catch (SQLDataException e) {
                // a type the driver keeps no bytes of (MySQL's JSON): this column's Strings from now on
                driverBytes[col] = false;
            }
        }
        String v = rs.getString(col);
        return v == null ? null : v.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether a timestamp's text ends in an offset: {@code +hh}, {@code +hhmm}, {@code +hh:mm} (or {@code -}) or {@code Z}. */
    static boolean hasOffset(byte[] v) {
        int n = v.length;
        boolean hh = n >= 3 && isSign(v[n - 3]) && allDigits(v, n - 2, n);
        boolean hhmm = n >= 5 && isSign(v[n - 5]) && allDigits(v, n - 4, n);
        boolean hhColonMm =
                n >= 6 && isSign(v[n - 6]) && allDigits(v, n - 5, n - 3) && v[n - 3] == ':' && allDigits(v, n - 2, n);
        // DuckDB's driver prints an OffsetDateTime in UTC as Java does: 2026-03-29T02:30Z
        boolean zulu = n >= 1 && v[n - 1] == 'Z';
        return hh || hhmm || hhColonMm || zulu;
    }

    private static boolean isSign(byte b) {
        return b == '+' || b == '-';
    }

    private static boolean allDigits(byte[] v, int from, int to) {
        for (int i = from; i < to; i++) if (v[i] < '0' || v[i] > '9') return false;
        return true;
    }
}
