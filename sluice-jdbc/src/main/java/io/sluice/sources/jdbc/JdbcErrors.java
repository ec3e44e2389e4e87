package io.sluice.sources.jdbc;

import io.sluice.config.Connection;
import io.sluice.config.JdbcDrivers;
import io.sluice.config.Validator;
import io.sluice.spi.AttemptFailure;
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
    /** SQLite names what is missing unquoted, and has no SQLSTATE: {@code no such table: ordrs}. */
    private static final Pattern NO_SUCH = Pattern.compile("no such (table|column): ([^\\s)]+)");
    /** SQLite's driver wraps the message: {@code [SQLITE_ERROR] SQL error or missing database (no such table: t)}. */
    private static final Pattern SQLITE = Pattern.compile("^\\[SQLITE_\\w+\\][^(]*\\((.*)\\)$");

    /** What to do about two output columns of one name (to the engine), which the engine cannot tell apart. */
    static final String OWN_NAMES = "each column needs a name of its own: name one in the query or columns: "
            + "(`b.id AS b_id`, b its table; for `SELECT *` over a join, list the columns), or drop it";

    private JdbcErrors() {}

    /** A failure to connect. */
    static IOException connecting(Connection conn, SQLException e) {
        String state = state(e);
        if (state.startsWith("28")) {
            return new IOException(conn.describe() + ": authentication failed"
                    + (conn.user() == null ? "" : " for user " + conn.user())
                    + "; check the user and password of connection '" + conn.name() + "' (SQLSTATE " + state + ")");
        }
        if (JdbcDrivers.sslRefused(e)) {
            // PostgreSQL's driver says so with an 08 state, as for a server going away: a setting, not an outage
            return new IOException(conn.describe() + ": the server does not accept SSL, which "
                    + JdbcDrivers.sslSetting(
                            conn.url().reveal(),
                            conn.properties(),
                            "connection '" + conn.name() + "''s url",
                            conn.name() + ".properties")
                    + " asks for; set sslmode to prefer or disable there, or turn SSL on in the server ("
                    + e.getMessage() + ")");
        }
        if (unreachable(e)) {
            return new IOException(
                    conn.describe() + ": cannot reach the database (" + e.getMessage()
                            + "); check that it runs and that the url's host and port are right",
                    e);
        }
        if (missingDatabase(e)) {
            return new IOException(
                    conn.describe() + ": the database in the url does not exist (" + e.getMessage()
                            + "); fix the url or create it",
                    e);
        }
        return new IOException(conn.describe() + ": cannot connect: " + e.getMessage(), e);
    }

    private static boolean unreachable(SQLException e) {
        return state(e).startsWith("08")
                || e.getCause() instanceof java.net.ConnectException
                || e.getCause() instanceof java.net.UnknownHostException;
    }

    /**
     * Whether connecting failed for the connection's own options: the user or password, the url's database, or SSL
     * asked of a server without it.
     */
    static boolean optionsFault(SQLException e) {
        return state(e).startsWith("28") || missingDatabase(e) || JdbcDrivers.sslRefused(e);
    }

    private static boolean missingDatabase(SQLException e) {
        return state(e).startsWith("3D") || state(e).equals("42000") && e.getErrorCode() == 1049;
    }

    /** Whether the statement failed for a table that does not exist. */
    static boolean missingTable(SQLException e) {
        String state = state(e);
        Matcher sqlite = NO_SUCH.matcher(String.valueOf(e.getMessage()));
        return state.equals("42P01")
                || state.equals("42S02")
                || sqlite.find() && sqlite.group(1).equals("table");
    }

    /** The name the database says is missing (a table or column), or "" when it names none. */
    static String missingName(SQLException e) {
        String message = firstLine(e.getMessage());
        Matcher sqlite = NO_SUCH.matcher(message);
        return sqlite.find() ? sqlite.group(2) : quoted(message);
    }

    /** A failure of a statement, with a did-you-mean for a missing table or column. */
    static IOException statement(Connection conn, java.sql.Connection c, String table, String what, SQLException e) {
        if (state(e).startsWith("08")) {
            return new IOException(
                    conn.describe() + ": " + what + ": the connection broke (" + firstLine(e.getMessage())
                            + "); the split is tried again",
                    e);
        }
        return new IOException(conn.describe() + ": " + what + ": " + explain(c, table, e), e);
    }

    /**
     * A failure of a split's read: as {@link #statement}, and a data exception (SQLSTATE class 22: a value out of a
     * cast's range, a division by zero), which repeats on the same rows, fails the split once instead of after every
     * retry.
     */
    static IOException reading(Connection conn, java.sql.Connection c, String table, String what, SQLException e) {
        IOException failure = statement(conn, c, table, what, e);
        if (!state(e).startsWith("22")) return failure;
        String message = failure.getMessage() + " (SQLSTATE " + state(e) + ": the database refuses a value of these "
                + "rows, at every attempt; fix the source's query or columns:, or the rows, then sluice retry)";
        IOException once = new IOException(message, new AttemptFailure(message, false));
        once.addSuppressed(e);
        return once;
    }

    /**
     * Whether the failure is the statement's own, as the pipeline wrote it (a missing table or column, a syntax error,
     * no right to read): SQLSTATE class 42, or SQLite's message. Not the connection's, nor the server's state.
     */
    static boolean mistake(SQLException e) {
        if (state(e).startsWith("42")) return true;
        String m = e.getMessage() == null ? "" : e.getMessage();
        return state(e).isEmpty() && (NO_SUCH.matcher(m).find() || m.contains("syntax error"));
    }

    /** The database's message, with the nearest name for a missing table (or column of {@code table}). */
    static String explain(java.sql.Connection c, String table, SQLException e) {
        String state = state(e);
        String message = firstLine(e.getMessage());
        try {
            if (missingTable(e)) {
                String hint = nearTable(table != null ? table : missingName(e), c.getMetaData(), c.getSchema());
                return message + (hint.isEmpty() ? "; check the table name (and schema)" : hint);
            }
            // MariaDB and MySQL refuse a derived table with two columns of one name: "Duplicate column name 'id'"
            if (state.equals("42S21")) return message + "; " + OWN_NAMES;
            boolean column = state.equals("42703") || state.equals("42S22") || message.contains("no such column");
            if (column && table != null) return message + near(missingName(e), columns(c.getMetaData(), table));
        } catch (SQLException ignored) {
            // the hint is a courtesy: the message stands without it
        }
        return message;
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    private static String firstLine(String m) {
        String line = m == null ? "" : m.lines().findFirst().orElse("").replaceFirst("^ERROR: ", "");
        Matcher sqlite = SQLITE.matcher(line);
        return sqlite.matches() ? sqlite.group(1) : line;
    }

    private static String quoted(String message) {
        Matcher m = QUOTED.matcher(message);
        return m.find() ? m.group(1) : "";
    }

    /**
     * The nearest table a query can name: one of the connection's schema (or of a database without schemas) by its
     * name, else one of another schema near in name, given with its schema, which the query needs to reach it.
     */
    private static String nearTable(String written, DatabaseMetaData md, String current) throws SQLException {
        List<String> reachable = new ArrayList<>();
        java.util.Map<String, String> elsewhere = new java.util.LinkedHashMap<>();
        try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
            while (rs.next()) {
                String schema = rs.getString("TABLE_SCHEM");
                String name = rs.getString("TABLE_NAME");
                if (schema == null || current == null || schema.equals(current)) reachable.add(name);
                if (schema != null) {
                    reachable.add(schema + "." + name);
                    if (!schema.equals(current)) elsewhere.putIfAbsent(name, schema + "." + name);
                }
            }
        }
        String hint = near(written, reachable);
        if (!hint.isEmpty() || written == null || written.isEmpty()) return hint;
        String bare = written.substring(written.lastIndexOf('.') + 1);
        return elsewhere.keySet().stream()
                .filter(name -> !Validator.suggestion(bare, List.of(name)).isEmpty())
                .min(java.util.Comparator.comparingInt(
                        name -> Validator.distance(bare.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT))))
                .map(name -> " (did you mean '" + elsewhere.get(name) + "'?)")
                .orElse("");
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
