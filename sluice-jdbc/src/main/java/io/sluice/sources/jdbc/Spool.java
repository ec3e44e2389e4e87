package io.sluice.sources.jdbc;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
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
        streamed(c, sql, columns, file, fetchSize, maxRows);
    }

    /** How a column's values are written: the engine type decides, once per column rather than once per value. */
    private enum Kind {
        BOOLEAN,
        TEXT,
        ZONED,
        PLAIN;

        static Kind of(String engineType) {
            return switch (engineType) {
                case "BOOLEAN" -> BOOLEAN;
                case "VARCHAR" -> TEXT;
                case "TIMESTAMP WITH TIME ZONE" -> ZONED;
                default -> PLAIN;
            };
        }
    }

    /** A streamed result set (MariaDB and MySQL stream with a fetch size; others as their driver does). */
    private static void streamed(
            Connection c, String sql, Map<String, String> columns, Path file, int fetchSize, int maxRows)
            throws SQLException, IOException {
        Kind[] kinds = columns.values().stream().map(Kind::of).toArray(Kind[]::new);
        try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            st.setFetchSize(fetchSize);
            if (maxRows > 0) st.setMaxRows(maxRows);
            try (ResultSet rs = st.executeQuery(sql);
                    Writer w = new BufferedWriter(
                            new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
                int i = 0;
                for (String name : columns.keySet()) {
                    if (i++ > 0) w.write(',');
                    quoted(w, name);
                }
                w.write('\n');
                while (rs.next()) {
                    for (int col = 1; col <= kinds.length; col++) {
                        if (col > 1) w.write(',');
                        Kind kind = kinds[col - 1];
                        if (kind == Kind.BOOLEAN) {
                            boolean b = rs.getBoolean(col);
                            if (!rs.wasNull()) w.write(b ? "true" : "false");
                            continue;
                        }
                        String v = rs.getString(col);
                        if (v == null) continue;
                        if (kind == Kind.TEXT) {
                            quoted(w, v);
                        } else {
                            w.write(v);
                            // the session's zone is UTC (Dialect.prepare): a value without an offset is in UTC
                            if (kind == Kind.ZONED && !hasOffset(v)) w.write("+00");
                        }
                    }
                    w.write('\n');
                }
            }
        }
    }

    /** Whether a timestamp's text ends in an offset: {@code +hh}, {@code +hhmm} or {@code +hh:mm} (or {@code -}). */
    static boolean hasOffset(String v) {
        int n = v.length();
        boolean hh = n >= 3 && isSign(v.charAt(n - 3)) && allDigits(v, n - 2, n);
        boolean hhmm = n >= 5 && isSign(v.charAt(n - 5)) && allDigits(v, n - 4, n);
        boolean hhColonMm = n >= 6
                && isSign(v.charAt(n - 6))
                && allDigits(v, n - 5, n - 3)
                && v.charAt(n - 3) == ':'
                && allDigits(v, n - 2, n);
        return hh || hhmm || hhColonMm;
    }

    private static boolean isSign(char c) {
        return c == '+' || c == '-';
    }

    private static boolean allDigits(String v, int from, int to) {
        for (int i = from; i < to; i++) if (v.charAt(i) < '0' || v.charAt(i) > '9') return false;
        return true;
    }

    private static void quoted(Writer w, String v) throws IOException {
        w.write('"');
        w.write(v.indexOf('"') < 0 ? v : v.replace("\"", "\"\""));
        w.write('"');
    }
}
