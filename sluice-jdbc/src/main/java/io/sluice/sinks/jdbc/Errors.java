package io.sluice.sinks.jdbc;

import io.sluice.config.Connection;
import java.sql.SQLException;

/** Connection failures as a user can act on them: what failed, on which connection, what to do; no secret shown. */
final class Errors {
    private Errors() {}

    static String explain(Connection connection, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = connection.describe() + ": ";
        String fix = connection.file() == null ? "" : " in " + connection.file();
        if (state.startsWith("28")) {
            return where + "authentication failed" + (connection.user() == null ? "" : " for user " + connection.user())
                    + "; check the user and password of connection '" + connection.name() + "'" + fix;
        }
        if (state.startsWith("08")) {
            return where + "cannot connect (" + e.getMessage() + "); check that the database runs and accepts "
                    + "connections at this url, and the url of connection '" + connection.name() + "'" + fix;
        }
        if (state.equals("3D000")) {
            return where + "the database in the url does not exist; create it or fix the url" + fix;
        }
        return where + e.getMessage();
    }
}
