package io.sluice.sources.jdbc;

import io.sluice.config.Connection;
import io.sluice.config.Validator;
import java.io.IOException;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Database failures as messages that say what, where and what to do. A password is never in them: an authentication
 * failure is told without the driver's text.
 */
final class JdbcErrors {
    private static final Pattern QUOTED = Pattern.compile("[\"'`]([^\"'`]+)[\"'`]");

    private JdbcErrors() {}

    /** A failure to connect. */
    static IOException connecting(Connection conn, SQLException e) {
        String state = state(e);
        if (state.startsWith("28")) {
            return new IOException(conn.describe() + ": authentication failed"
                    + (conn.user() == null ? "" : " for user " + conn.user())
                    + "; check the user and password of connection '" + conn.name() + "' (SQLSTATE " + state + ")");
        }
        if (state.startsWith("08")
                || e.getCause() instanceof java.net.ConnectException
                || e.getCause() instanceof java.net.UnknownHostException) {
            return new IOException(
                    conn.describe() + ": cannot reach the database (" + e.getMessage()
                            + "); check that it runs and that the url's host and port are right",
                    e);
        }
        if (state.startsWith("3D") || state.equals("42000") && e.getErrorCode() == 1049) {
            return new IOException(
                    conn.describe() + ": the database in the url does not exist (" + e.getMessage()
                            + "); fix the url or create it",
                    e);
        }
        return new IOException(conn.describe() + ": cannot connect: " + e.getMessage(), e);
    }

    /** A failure of a statement, with a did-you-mean for a missing table or column. */
    static IOException statement(Connection conn, java.sql.Connection c, String table, String what, SQLException e) {
        String state = state(e);
        String message = firstLine(e.getMessage());
        String hint = "";
        try {
            if (state.equals("42P01") || state.equals("42S02")) {
                hint = near(table != null ? table : quoted(message), tables(c.getMetaData()));
                return new IOException(
                        conn.describe() + ": " + what + ": " + message
                                + (hint.isEmpty() ? "; check the table name (and schema)" : hint),
                        e);
            }
            if ((state.equals("42703") || state.equals("42S22")) && table != null) {
                hint = near(quoted(message), columns(c.getMetaData(), table));
            }
        } catch (SQLException ignored) {
            // the hint is a courtesy: the message stands without it
        }
        if (state.startsWith("08")) {
            return new IOException(
                    conn.describe() + ": " + what + ": the connection broke (" + message
                            + "); the split is tried again",
                    e);
        }
        return new IOException(conn.describe() + ": " + what + ": " + message + hint, e);
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    private static String firstLine(String m) {
        return m == null ? "" : m.lines().findFirst().orElse("").replaceFirst("^ERROR: ", "");
    }

    private static String quoted(String message) {
        Matcher m = QUOTED.matcher(message);
        return m.find() ? m.group(1) : "";
    }

    private static List<String> tables(DatabaseMetaData md) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
            while (rs.next()) {
                String schema = rs.getString("TABLE_SCHEM");
                String name = rs.getString("TABLE_NAME");
                names.add(name);
                if (schema != null) names.add(schema + "." + name);
            }
        }
        return names;
    }

    private static List<String> columns(DatabaseMetaData md, String table) throws SQLException {
        String bare =
                table.substring(table.lastIndexOf('.') + 1).replace("\"", "").replace("`", "");
        List<String> names = new ArrayList<>();
        for (String t : List.of(bare, bare.toLowerCase(Locale.ROOT), bare.toUpperCase(Locale.ROOT))) {
            try (ResultSet rs = md.getColumns(null, null, t, "%")) {
                while (rs.next()) names.add(rs.getString("COLUMN_NAME"));
            }
            if (!names.isEmpty()) break;
        }
        return names;
    }

    /** " (did you mean 'x'?)" when a name is close to what was written. */
    static String near(String written, List<String> known) {
        return written == null || written.isEmpty() ? "" : Validator.suggestion(written, known);
    }
}
