package io.sluice.ledger.postgres;

import io.sluice.config.JdbcDrivers;
import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Turns JDBC failures into messages that name the ledger and say what to do. */
final class PostgresErrors {
    private PostgresErrors() {}

    static LedgerException failure(PostgresConfig config, String action, SQLException e) {
        String message = config.describe() + ": cannot " + action + ": " + explain(config, e);
        return LedgerRefusedException.when(refused(e), message, e);
    }

    /** True when the server answered and refused (a login, a database, a privilege, SSL): no wait makes it work. */
    private static boolean refused(SQLException e) {
        String state = e.getSQLState();
        return JdbcDrivers.sslRefused(e)
                || (state != null && (state.startsWith("28") || state.startsWith("3D") || state.startsWith("42")));
    }

    /** True when the server could not be reached or went away: the call may succeed once it is back. */
    private static boolean unreachable(SQLException e) {
        if (JdbcDrivers.sslRefused(e)) return false;
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException // the pool timed out waiting for a connection
                || (state != null && (state.startsWith("08") || state.startsWith("57P")));
    }

    private static String explain(PostgresConfig config, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = " (" + rootMessage(e) + ")";
        if (JdbcDrivers.sslRefused(e)) {
            // 08004 like a server going away, but no wait makes it answer: the settings must change
            return "the server does not accept SSL, which this ledger's settings ask for" + detail + "; set sslmode "
                    + "to prefer or disable in " + config.sslSetting() + ", or turn SSL on in the server (ssl = on "
                    + "in postgresql.conf). This is a setting, not an outage: trying again will not help";
        }
        if (unreachable(e)) {
            return "the server is unreachable or restarting" + detail + "; check that PostgreSQL runs and accepts "
                    + "connections at this url. Nothing is lost meanwhile: a split this worker holds is taken over "
                    + "by another worker when its lease runs out, and calls work again once the server is back";
        }
        return switch (state.length() >= 2 ? state.substring(0, 2) : state) {
            case "28" ->
                "authentication failed" + (config.user() == null ? "" : " for user " + config.user()) + "; "
                        + config.passwordAdvice() + detail;
            case "3D" -> "the database in the url does not exist; create it (CREATE DATABASE) or fix the url" + detail;
            case "42" ->
                state.equals("42501")
                        ? "the user lacks a privilege on schema " + config.schema() + "; grant it (GRANT ALL ON SCHEMA "
                                + config.schema() + " TO ...), or give the user CREATE on the database" + detail
                        : e.getMessage();
            case "53" ->
                "the server is out of resources (connections, disk or memory); lower "
                        + "state.postgres.max_connections or free them on the server" + detail;
            default -> e.getMessage();
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root == e ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
    }
}
