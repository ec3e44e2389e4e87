package io.sluice.sources.jdbc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
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

    /** A streamed result set (MariaDB and MySQL stream with a fetch size; others as their driver does). */
    private static void streamed(
            Connection c, String sql, Map<String, String> columns, Path file, int fetchSize, int maxRows)
            throws SQLException, IOException {
        List<String> types = List.copyOf(columns.values());
        try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            st.setFetchSize(fetchSize);
            if (maxRows > 0) st.setMaxRows(maxRows);
            try (ResultSet rs = st.executeQuery(sql);
                    Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                int n = types.size();
                int i = 0;
                for (String name : columns.keySet()) {
                    if (i++ > 0) w.write(',');
                    quoted(w, name);
                }
                w.write('\n');
                while (rs.next()) {
                    for (int col = 1; col <= n; col++) {
                        if (col > 1) w.write(',');
                        String type = types.get(col - 1);
                        if (type.equals("BOOLEAN")) {
                            boolean b = rs.getBoolean(col);
                            if (!rs.wasNull()) w.write(b ? "true" : "false");
                            continue;
                        }
                        String v = rs.getString(col);
                        if (v == null) continue;
                        if (type.equals("VARCHAR")) {
                            quoted(w, v);
                        } else if (type.equals("TIMESTAMP WITH TIME ZONE") && !v.matches(".*[+-]\\d\\d(:?\\d\\d)?$")) {
                            w.write(v);
                            w.write("+00"); // the session's zone is UTC (Dialect.prepare)
                        } else {
                            w.write(v);
                        }
                    }
                    w.write('\n');
                }
            }
        }
    }

    private static void quoted(Writer w, String v) throws IOException {
        w.write('"');
        w.write(v.replace("\"", "\"\""));
        w.write('"');
    }
}
